/** Loads every provider's query modules into the registry (import for side effects). */
import "./aws/index.js";
import "./gcp/index.js";
import "./github/index.js";
