import type { Principal } from '../domain/index.ts';
import { ForbiddenError } from '../errors/index.ts';

/**
 * Refuses a caller who is not an admin. Adapters call it before the admin-only operations of
 * the user service (create, list, setRole, setDisabled, resetPassword), which take no
 * principal themselves so that the CLI can create the first admin.
 *
 * @throws ForbiddenError when `principal.role` is not `admin`.
 */
export function assertAdmin(principal: Principal, action = 'do this'): void {
  if (principal.role !== 'admin') throw new ForbiddenError(`only an admin may ${action}`);
}
