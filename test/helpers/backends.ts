// The backends the conformance suite runs on: the interpreter and wasm always, CUDA where a GPU is
// present (WEFT_TEST_BACKENDS=interp,wasm narrows the list).
import * as wf from "../../engine/index.js";

export type TestBackend = { name: "interp" | "wasm" | "cuda"; device: string; backend: "interp" | "wasm" | "cuda" };

let probed: TestBackend[] | null = null;

export async function testBackends(): Promise<TestBackend[]> {
  if (probed) return probed;
  await wf.init();
  const list: TestBackend[] = [
    { name: "interp", device: "cpu", backend: "interp" },
    { name: "wasm", device: "cpu", backend: "wasm" },
  ];
  const cuda = wf.devices().find((d) => d.isCuda);
  if (cuda) list.push({ name: "cuda", device: cuda.name, backend: "cuda" });
  const only = process.env.WEFT_TEST_BACKENDS?.split(",");
  probed = only ? list.filter((b) => only.includes(b.name)) : list;
  return probed;
}

/** Backends known before any await (for `describe.each`): cuda is added when the env says a GPU is present. */
export const BACKEND_NAMES: ("interp" | "wasm" | "cuda")[] = (() => {
  const base: ("interp" | "wasm" | "cuda")[] = ["interp", "wasm"];
  if (process.env.WEFT_TEST_CUDA === "1") base.push("cuda");
  const only = process.env.WEFT_TEST_BACKENDS?.split(",");
  return only ? base.filter((b) => only.includes(b)) : base;
})();

export function deviceFor(name: "interp" | "wasm" | "cuda"): string {
  return name === "cuda" ? "cuda:0" : "cpu";
}
