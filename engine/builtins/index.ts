// Loads every builtin definition file (each registers itself) and re-exports the registry.
import "./scalar.js";
import "./math.js";
import "./math-basic.js";
import "./math-composite.js";
import "./vector.js";
import "./matrix.js";
import "./quat.js";
import "./transform.js";
import "./bits.js";
import "./random.js";
export * from "./registry.js";
