import { loadLibrary } from "../../src/coaching/library.js";
import { BUILT_IN_LIBRARY_DIR } from "../../src/paths.js";

/** The built-in library, loaded once per test file. */
export const library = loadLibrary(BUILT_IN_LIBRARY_DIR);
