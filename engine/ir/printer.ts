// Text form of the IR, for `WEFT_DUMP_IR=1`, `weft compile --emit ir` and test assertions.
//
//   kernel saxpy(a: f32, x: Array<f32>, y: Array<f32>) ndim=1 {
//     %0 = tid 0 : i32
//     %1 = aload %x, %0 {off=0} : f32
//     ...

import { Func, IRModule, Inst } from "./ops.js";
import { typeName } from "./types.js";

export function printModule(m: IRModule): string {
  return m.funcs.map(printFunc).join("\n");
}

export function printFunc(f: Func): string {
  const params = f.params.map((p) => `${p.name}: ${typeName(p.type)}`).join(", ");
  const head = `${f.kind} ${f.name}(${params})${f.kind === "func" ? `: ${typeName(f.ret)}` : ` ndim=${f.ndim}`}`;
  const vars = f.vars.map((v) => `  var $${v.name}.${v.id}: ${typeName(v.type)}`);
  return [head + " {", ...vars, ...printBlock(f.body, 1), "}", ""].join("\n");
}

function fmtAttr(k: string, v: any): string {
  if (k === "var") return `$${v.name}.${v.id}`;
  if (typeof v === "bigint") return `${k}=${v}n`;
  if (typeof v === "string") return `${k}=${JSON.stringify(v)}`;
  return `${k}=${v}`;
}

export function printInst(i: Inst): string {
  const lhs = i.type.k === "void" ? "" : `%${i.id}${i.name ? "." + i.name : ""} = `;
  const args = i.args.map((a) => `%${a.id}`).join(", ");
  const attrs = Object.entries(i.attrs).filter(([, v]) => v !== undefined);
  const attrText = attrs.length ? ` {${attrs.map(([k, v]) => fmtAttr(k, v)).join(" ")}}` : "";
  const ty = i.type.k === "void" ? "" : ` : ${typeName(i.type)}`;
  return `${lhs}${i.op}${args ? " " + args : ""}${attrText}${ty}`;
}

function printBlock(body: Inst[], depth: number): string[] {
  const pad = "  ".repeat(depth);
  const out: string[] = [];
  for (const i of body) {
    out.push(pad + printInst(i) + (i.regions ? " {" : ""));
    if (i.regions) {
      i.regions.forEach((r, k) => {
        if (k > 0) out.push(pad + (i.op === "if" ? "} else {" : "} step {"));
        out.push(...printBlock(r, depth + 1));
      });
      out.push(pad + "}");
    }
  }
  return out;
}
