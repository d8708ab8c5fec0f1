/**
 * The path prefix every API route lives under. Its own module so that what the routes import
 * (the browser session's cookie path) does not import the document builder, which imports them.
 */
export const apiPrefix = '/api/v1';
