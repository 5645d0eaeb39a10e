// wf.Bvh: a bounding volume hierarchy over boxes (lowers[i], uppers[i]), built on the host with
// binned SAH and uploaded to its device. Kernels query it with bvhQueryAabb/bvhQueryRay from the
// kernel library (kernels-as/lib/bvh.ts). After the boxes move, `refit()` recomputes the node
// bounds bottom-up (on the host for the CPU, with a kernel per tree level on a GPU) keeping the tree.
//
//   const bvh = new wf.Bvh({ lowers, uppers, device: "cpu" });     // vec3 arrays or Float32Arrays
//   wf.launch(k, n, [bvh.nodes, bvh.primIds, bvh.lowers, bvh.uppers, ...]);
//   lowers.assign(moved); bvh.refit();   bvh.dispose();

import { WeftArray, empty, array as makeArray } from "../../runtime/array.js";
import { Device, cpuRawMemory, getDevice } from "../../runtime/device.js";
import { int32 } from "../../runtime/dtype.js";
import { launch } from "../../runtime/launch.js";
import { BuildOptions, BuiltBvh, buildBvh, refitBvh } from "./build.js";
import { BVH_REFIT_SOURCE, engineKernel } from "./kernels.js";
import { BvhNodeDType, NODE_BYTES, NodeBuffer, nodeBuffer } from "./layout.js";
import { checkFinite, hostVec3, vec3Input } from "./input.js";

export interface BvhOptions extends BuildOptions {
  lowers: WeftArray | Float32Array | number[] | number[][];
  uppers: WeftArray | Float32Array | number[] | number[][];
  device?: string | Device;
}

let nextId = 1;
const live = new Map<number, WeakRef<object>>();
/** @internal ids of meshes and BVHs, for `fromId`. */
export function registerHandle(o: object): number {
  const id = nextId++;
  live.set(id, new WeakRef(o));
  return id;
}
export function lookupHandle(id: number): object | undefined {
  return live.get(id)?.deref();
}
export function releaseHandle(id: number): void { live.delete(id); }

/** Device arrays of a built tree: the nodes, the leaf slot -> primitive map, and the refit levels. */
export class TreeArrays {
  readonly nodes: WeftArray;
  readonly primIds: WeftArray;
  readonly levelNodes: WeftArray;
  readonly levelStarts: Int32Array;
  readonly depth: number;
  readonly nodeCount: number;
  constructor(built: BuiltBvh, device: Device) {
    this.nodeCount = built.nodes.count;
    this.nodes = empty(built.nodes.count, { dtype: BvhNodeDType, device });
    device.memory.write(this.nodes.ptr, new Uint8Array(built.nodes.i.buffer, built.nodes.i.byteOffset, built.nodes.count * NODE_BYTES));
    this.primIds = makeArray(built.primIds, { dtype: int32, device });
    this.levelNodes = makeArray(built.levelNodes, { dtype: int32, device });
    this.levelStarts = built.levelStarts;
    this.depth = built.depth;
  }
  /** Host view of the nodes (zero-copy on the CPU; a copy, to be written back, on a GPU). */
  hostNodes(): NodeBuffer {
    const d = this.nodes.device;
    if (d.isCpu) return nodeBuffer(this.nodeCount, cpuRawMemory().buffer as unknown as ArrayBuffer, Number(this.nodes.ptr));
    const bytes = this.nodes.contiguousBytes();
    return nodeBuffer(this.nodeCount, bytes.buffer as ArrayBuffer, bytes.byteOffset);
  }
  writeNodes(n: NodeBuffer): void {
    if (this.nodes.device.isCpu) return;
    this.nodes.device.memory.write(this.nodes.ptr, new Uint8Array(n.i.buffer, n.i.byteOffset, this.nodeCount * NODE_BYTES));
  }
  hostPrimIds(): Int32Array { return this.primIds.toTypedArray() as Int32Array; }
  /** Launches `kernel` once per level, deepest first, with (…, levelNodes, start) as its last arguments. */
  refitLevels(launchLevel: (start: number, count: number) => void): void {
    for (let d = this.depth; d >= 0; d--) launchLevel(this.levelStarts[d], this.levelStarts[d + 1] - this.levelStarts[d]);
  }
  dispose(): void { this.nodes.dispose(); this.primIds.dispose(); this.levelNodes.dispose(); }
}

export class Bvh {
  readonly device: Device;
  readonly lowers: WeftArray;
  readonly uppers: WeftArray;
  readonly id: number;
  private tree: TreeArrays | null;

  constructor(opts: BvhOptions) {
    if (!opts || typeof opts !== "object") throw new TypeError("new wf.Bvh({ lowers, uppers, device }): expected an options object");
    const W = "new wf.Bvh";
    this.device = getDevice(opts.device);
    this.lowers = vec3Input(W, "lowers", opts.lowers, this.device);
    this.uppers = vec3Input(W, "uppers", opts.uppers, this.device);
    if (this.lowers.length !== this.uppers.length) throw new RangeError(`${W}: 'lowers' has ${this.lowers.length} boxes but 'uppers' has ${this.uppers.length}`);
    if (this.lowers.length === 0) throw new RangeError(`${W}: expected at least one box, got none`);
    const lo = hostVec3(this.lowers), hi = hostVec3(this.uppers);
    checkBoxes(W, lo, hi);
    this.tree = new TreeArrays(buildBvh(lo, hi, opts), this.device);
    this.id = registerHandle(this);
  }

  static fromId(id: number): Bvh | undefined {
    const o = lookupHandle(id);
    return o instanceof Bvh ? o : undefined;
  }

  private live(what: string): TreeArrays {
    if (!this.tree) throw new Error(`wf.Bvh ${this.id} was disposed; ${what} needs a live BVH`);
    return this.tree;
  }
  get nodes(): WeftArray { return this.live("reading nodes").nodes; }
  get primIds(): WeftArray { return this.live("reading primIds").primIds; }
  get disposed(): boolean { return this.tree === null; }
  get depth(): number { return this.live("depth").depth; }
  get nodeCount(): number { return this.live("nodeCount").nodeCount; }

  /** The struct value a kernel's `Bvh` parameter receives. */
  asKernelArg(device?: Device): { nodes: WeftArray; primIds: WeftArray; lowers: WeftArray; uppers: WeftArray } {
    const t = this.live("a launch");
    if (device && device !== this.device) throw new Error(`wf.Bvh ${this.id} lives on ${this.device.name}, not ${device.name}`);
    return { nodes: t.nodes, primIds: t.primIds, lowers: this.lowers, uppers: this.uppers };
  }

  /** Recomputes the node bounds from the current lowers/uppers (the tree topology is kept). */
  refit(): void {
    const t = this.live("refit()");
    if (this.device.isCpu) {
      const lo = hostVec3(this.lowers), hi = hostVec3(this.uppers);
      checkBoxes("wf.Bvh.refit", lo, hi);
      const n = t.hostNodes();
      refitBvh(n, t.hostPrimIds(), lo, hi);
      return;
    }
    const k = engineKernel("weft_bvh_refit", BVH_REFIT_SOURCE, "bvhRefitLevel", this.device);
    t.refitLevels((start, count) => launch(k, count, [this, t.levelNodes, start], { device: this.device }));
  }

  dispose(): void {
    if (!this.tree) return;
    this.tree.dispose();
    this.tree = null;
    releaseHandle(this.id);
  }
}

function checkBoxes(where: string, lo: Float32Array, hi: Float32Array): void {
  checkFinite(where, "lowers", lo);
  checkFinite(where, "uppers", hi);
  for (let k = 0; k < lo.length; k++) {
    if (lo[k] > hi[k]) {
      const i = Math.floor(k / 3);
      throw new RangeError(`${where}: box ${i} has lowers[${i}] > uppers[${i}] on axis ${"xyz"[k % 3]} (${lo[k]} > ${hi[k]})`);
    }
  }
}
