import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/id-generator.ts';
import type { SecretBox } from '../ports/secret-box.ts';
import type { Store } from '../ports/store.ts';

/** What every service is built from: the ports of {@link createGoosuke}, with defaults filled in. */
export interface ServiceContext {
  store: Store;
  secretBox: SecretBox;
  clock: Clock;
  ids: IdGenerator;
}
