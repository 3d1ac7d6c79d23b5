/** The version of @rtv/policy an instance reports in the fleet registry; kept in step with package.json (a unit test checks). */
export const LIBRARY_VERSION = '0.1.0';
