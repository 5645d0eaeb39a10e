// Loads every builtin definition file (each registers itself) and re-exports the registry.
import "./scalar.js";
import "./math.js";
import "./math-basic.js";
import "./math-composite.js";
export * from "./registry.js";
