/**
 * Turns a title into a URL slug.
 */
export function slugify(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

export function uniqueSlug(title: string, taken: Set<string>): string {
  const base = slugify(title);
  let slug = base;
  let counter = 1;
  while (taken.has(slug)) {
    slug = `${base}-${counter}`;
    counter++;
  }
  return slug;
}
