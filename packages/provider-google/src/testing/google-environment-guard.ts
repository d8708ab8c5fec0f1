const readByTheSdk = /^(GEMINI_|GOOGLE_)/;

/**
 * Removes every `GEMINI_*` and `GOOGLE_*` variable from `process.env` (the SDK reads its key,
 * base URL, API version, the Vertex switch, project and location from there) and returns a
 * function that puts them back. For test setup: nothing of the developer's own account leaks in.
 */
export function isolateGoogleEnvironment(): () => void {
  const saved = new Map<string, string>();
  for (const [name, value] of Object.entries(process.env)) {
    if (readByTheSdk.test(name) && value !== undefined) {
      saved.set(name, value);
      delete process.env[name];
    }
  }
  return () => {
    for (const name of Object.keys(process.env)) {
      if (readByTheSdk.test(name)) delete process.env[name];
    }
    for (const [name, value] of saved) process.env[name] = value;
  };
}
