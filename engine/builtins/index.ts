// Loads every builtin definition file (each registers itself) and re-exports the registry.
import "./scalar.js";
export * from "./registry.js";
