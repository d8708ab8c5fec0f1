import { describe, expect, it } from 'vitest';
import { type LogFields, type Logger, noopLogger, withConsoleWarningsLogged } from './logger.ts';

function recordingLogger(lines: Array<{ level: string; message: string; fields: LogFields }>): Logger {
  const at =
    (level: string) =>
    (message: string, fields: LogFields = {}) =>
      lines.push({ level, message, fields });
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => noopLogger,
  };
}

describe('withConsoleWarningsLogged', () => {
  it('sends console.warn from the work to debug, returns its result and restores console.warn', () => {
    const lines: Array<{ level: string; message: string; fields: LogFields }> = [];
    const original = console.warn;
    const result = withConsoleWarningsLogged(recordingLogger(lines), { provider: 'anthropic' }, () => {
      console.warn('The model is deprecated', 42);
      return 'done';
    });
    expect(result).toBe('done');
    expect(lines).toEqual([
      { level: 'debug', message: 'The model is deprecated 42', fields: { provider: 'anthropic' } },
    ]);
    expect(console.warn).toBe(original);
  });

  it('restores console.warn when the work throws', () => {
    const original = console.warn;
    expect(() =>
      withConsoleWarningsLogged(noopLogger, {}, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(console.warn).toBe(original);
  });
});
