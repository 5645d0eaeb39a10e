// wf.Mesh: a triangle mesh with a BVH (binned SAH, built on the host) on one device, queried from
// kernels through the mesh library (kernels-as/lib/mesh.ts): closest point (with or without a sign),
// ray casts, AABB overlap iterators, position/velocity/normal evaluation.
//
//   const mesh = new wf.Mesh({ points, indices, device: "cpu" });    // vec3 points, 3 indices per face
//   ...kernel(mesh: Mesh, ...) { const q = meshQueryPoint(mesh, p, 1e6); ... }
//   wf.launch(k, n, [mesh, ...]);            // the runtime passes mesh.asKernelArg(device)
//   mesh.points.assign(moved); mesh.refit(); mesh.dispose();
//
// `refit()` keeps the tree and recomputes node boxes and winding-number data from the current points
// (host code for the CPU; for a GPU, the kernel-language refit of kernels.ts, one launch per level).

import { WeftArray, array as makeArray, empty, zeros } from "../../runtime/array.js";
import { Device, cpuRawMemory, getDevice } from "../../runtime/device.js";
import { int32, vec3 } from "../../runtime/dtype.js";
import { launch } from "../../runtime/launch.js";
import { BuildOptions, buildBvh, refitBvh } from "../bvh/build.js";
import { TreeArrays, lookupHandle, registerHandle, releaseHandle } from "../bvh/bvh.js";
import { checkFinite, hostVec3, indexInput, vec3Input } from "../bvh/input.js";
import { engineKernel } from "../bvh/kernels.js";
import { WindingNodeDType } from "../bvh/layout.js";
import { MESH_REFIT_SOURCE } from "./kernels.js";
import { edgeAdjacency, triangleBounds, vertexFaces, windingData } from "./topology.js";

export interface MeshOptions extends BuildOptions {
  points: WeftArray | Float32Array | Float64Array | number[] | number[][];
  indices: WeftArray | Int32Array | Uint32Array | number[] | number[][];
  velocities?: WeftArray | Float32Array | Float64Array | number[] | number[][];
  device?: string | Device;
}

/** The struct a kernel's `Mesh` parameter receives (kernels-as/lib/mesh.ts). */
export interface MeshKernelArg {
  points: WeftArray; velocities: WeftArray; indices: WeftArray; nodes: WeftArray; primIds: WeftArray;
  adjacency: WeftArray; vertexFaceStart: WeftArray; vertexFaces: WeftArray; winding: WeftArray;
}

interface MeshData {
  tree: TreeArrays;
  adjacency: WeftArray;
  vertexFaceStart: WeftArray;
  vertexFaces: WeftArray;
  winding: WeftArray;
  owned: WeftArray[];
}

export class Mesh {
  readonly device: Device;
  readonly points: WeftArray;
  readonly velocities: WeftArray;
  readonly indices: WeftArray;
  readonly numPoints: number;
  readonly numFaces: number;
  readonly id: number;
  private data: MeshData | null;

  constructor(opts: MeshOptions) {
    const W = "new wf.Mesh";
    if (!opts || typeof opts !== "object") throw new TypeError(`${W}({ points, indices, velocities?, device? }): expected an options object`);
    if (opts.points === undefined) throw new TypeError(`${W}: 'points' is required (vec3 vertex positions)`);
    if (opts.indices === undefined) throw new TypeError(`${W}: 'indices' is required (3 vertex indices per triangle)`);
    this.device = getDevice(opts.device);
    const owned: WeftArray[] = [];
    const own = (a: WeftArray, given: unknown) => { if (a !== given) owned.push(a); return a; };
    try {
      this.points = own(vec3Input(W, "points", opts.points, this.device), opts.points);
      this.indices = own(indexInput(W, "indices", opts.indices, this.device), opts.indices);
      this.numPoints = this.points.length;
      const idx = this.indices.toTypedArray() as Int32Array;
      if (idx.length % 3 !== 0) throw new RangeError(`${W}: 'indices' has ${idx.length} entries, not a multiple of 3 (three vertex indices per triangle)`);
      this.numFaces = idx.length / 3;
      if (this.numFaces === 0) throw new RangeError(`${W}: the mesh is empty; expected at least one triangle (3 indices)`);
      if (this.numPoints === 0) throw new RangeError(`${W}: 'points' is empty but the indices name vertices`);
      for (let k = 0; k < idx.length; k++) {
        const v = idx[k];
        if (v < 0 || v >= this.numPoints) throw new RangeError(`${W}: indices[${k}] = ${v} (face ${Math.floor(k / 3)}) is out of range; expected 0 <= index < ${this.numPoints} (the number of points)`);
      }
      if (opts.velocities !== undefined) {
        this.velocities = own(vec3Input(W, "velocities", opts.velocities, this.device), opts.velocities);
        if (this.velocities.length !== this.numPoints) throw new RangeError(`${W}: 'velocities' has ${this.velocities.length} entries but there are ${this.numPoints} points`);
      } else this.velocities = own(zeros(this.numPoints, { dtype: vec3, device: this.device }), undefined);
      const pts = hostVec3(this.points);
      checkFinite(W, "points", pts);
      const { lowers, uppers } = triangleBounds(pts, idx);
      const built = buildBvh(lowers, uppers, opts);
      const tree = new TreeArrays(built, this.device);
      const vf = vertexFaces(idx, this.numPoints);
      const winding = empty(built.nodes.count, { dtype: WindingNodeDType, device: this.device });
      const wd = windingData(built.nodes, built.primIds, pts, idx);
      this.device.memory.write(winding.ptr, new Uint8Array(wd.buffer, wd.byteOffset, wd.byteLength));
      this.data = {
        tree, winding,
        adjacency: makeArray(edgeAdjacency(idx), { dtype: int32, device: this.device }),
        vertexFaceStart: makeArray(vf.start, { dtype: int32, device: this.device }),
        vertexFaces: makeArray(vf.faces.length ? vf.faces : new Int32Array(1), { dtype: int32, device: this.device }),
        owned,
      };
    } catch (e) {
      for (const a of owned) a.dispose();
      throw e;
    }
    this.id = registerHandle(this);
  }

  /** The live mesh with this id (undefined once disposed or collected). */
  static fromId(id: number): Mesh | undefined {
    const o = lookupHandle(id);
    return o instanceof Mesh ? o : undefined;
  }

  private live(what: string): MeshData {
    if (!this.data) throw new Error(`wf.Mesh ${this.id} was disposed; ${what} needs a live mesh`);
    return this.data;
  }
  get disposed(): boolean { return this.data === null; }
  get nodes(): WeftArray { return this.live("reading nodes").tree.nodes; }
  get primIds(): WeftArray { return this.live("reading primIds").tree.primIds; }
  get adjacency(): WeftArray { return this.live("reading adjacency").adjacency; }
  get vertexFaceStart(): WeftArray { return this.live("reading vertexFaceStart").vertexFaceStart; }
  get vertexFaces(): WeftArray { return this.live("reading vertexFaces").vertexFaces; }
  get winding(): WeftArray { return this.live("reading winding").winding; }
  get depth(): number { return this.live("depth").tree.depth; }
  get nodeCount(): number { return this.live("nodeCount").tree.nodeCount; }

  /** The struct value a kernel's `Mesh` parameter receives. */
  asKernelArg(device?: Device): MeshKernelArg {
    const d = this.live("a launch");
    if (device && device !== this.device) throw new Error(`wf.Mesh ${this.id} lives on ${this.device.name}, not ${device.name}; build the mesh on ${device.name}`);
    return {
      points: this.points, velocities: this.velocities, indices: this.indices, nodes: d.tree.nodes, primIds: d.tree.primIds,
      adjacency: d.adjacency, vertexFaceStart: d.vertexFaceStart, vertexFaces: d.vertexFaces, winding: d.winding,
    };
  }

  /** Recomputes BVH boxes and winding data from the current points (the tree topology is kept). */
  refit(): void {
    const d = this.live("refit()");
    if (this.points.disposed) throw new Error(`wf.Mesh.refit: the points array was disposed`);
    if (this.device.isCpu) {
      const pts = hostVec3(this.points);
      checkFinite("wf.Mesh.refit", "points", pts);
      const idx = this.indices.toTypedArray() as Int32Array;
      const { lowers, uppers } = triangleBounds(pts, idx);
      const nodes = d.tree.hostNodes(), prim = d.tree.hostPrimIds();
      refitBvh(nodes, prim, lowers, uppers);
      const view = new Float32Array(cpuRawMemory().buffer, Number(d.winding.ptr), nodes.count * 8);
      windingData(nodes, prim, pts, idx, view);
      return;
    }
    const k = engineKernel("weft_mesh_refit", MESH_REFIT_SOURCE, "meshRefitLevel", this.device);
    d.tree.refitLevels((start, count) => launch(k, count, [this, d.tree.levelNodes, start], { device: this.device }));
  }

  dispose(): void {
    if (!this.data) return;
    const d = this.data;
    this.data = null;
    d.tree.dispose();
    for (const a of [d.adjacency, d.vertexFaceStart, d.vertexFaces, d.winding, ...d.owned]) a.dispose();
    releaseHandle(this.id);
  }

  toString(): string { return `wf.Mesh ${this.id} (${this.numPoints} points, ${this.numFaces} faces) on ${this.device.name}${this.data ? "" : ", disposed"}`; }
}
