/** Exit codes of the mapsync commands (documented in each command's --help). */
/** A check found a problem the user must fix (a failing mapping test). */
export const EXIT_FAILED = 1;
/** Configuration, usage or validation errors. */
export const EXIT_CONFIG = 2;
/** A bug in mapsync itself (BSD EX_SOFTWARE). */
export const EXIT_INTERNAL = 70;
