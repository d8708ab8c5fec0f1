/**
 * Removes every `OPENAI_*` variable from `process.env` (the SDK reads its key, base URL,
 * organization, project, log level and custom headers from there) and returns a function that
 * puts them back. For test setup: nothing of the developer's own account leaks in.
 */
export function isolateOpenAIEnvironment(): () => void {
  const saved = new Map<string, string>();
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('OPENAI_') && value !== undefined) {
      saved.set(name, value);
      delete process.env[name];
    }
  }
  return () => {
    for (const name of Object.keys(process.env)) {
      if (name.startsWith('OPENAI_')) delete process.env[name];
    }
    for (const [name, value] of saved) process.env[name] = value;
  };
}
