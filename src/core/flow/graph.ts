import type { CompiledFlow } from './compile.ts';

/** The dependency graph of a flow as Mermaid or Graphviz dot, modules as subgraphs, edges from dependency to dependent. */

export type GraphFormat = 'mermaid' | 'dot';

export function graph(flow: CompiledFlow, format: GraphFormat): string {
  return format === 'dot' ? dot(flow) : mermaid(flow);
}

function mermaid(flow: CompiledFlow): string {
  const lines = ['flowchart LR'];
  for (const m of flow.modules) {
    lines.push(`  subgraph ${m.name}["${m.name} (${m.status} → ${m.nextStatus})"]`);
    for (const name of m.components) {
      const c = flow.byName.get(name)!;
      lines.push(`    ${name}["${name}<br/>slot ${c.slot} · ${c.kind}"]`);
    }
    lines.push('  end');
  }
  for (const c of flow.components) for (const dep of c.depends) lines.push(`  ${dep} --> ${c.name}`);
  return lines.join('\n');
}

function dot(flow: CompiledFlow): string {
  const q = (s: string) => JSON.stringify(s);
  const lines = [`digraph ${q(flow.name)} {`, '  rankdir=LR;', '  node [shape=box];'];
  flow.modules.forEach((m, i) => {
    lines.push(`  subgraph cluster_${i} {`, `    label=${q(`${m.name} (${m.status} -> ${m.nextStatus})`)};`);
    for (const name of m.components) {
      const c = flow.byName.get(name)!;
      // Names match [A-Za-z0-9_.-]; `\\n` is dot's own line break inside a label.
      lines.push(`    ${q(name)} [label="${name}\\nslot ${c.slot} · ${c.kind}"];`);
    }
    lines.push('  }');
  });
  for (const c of flow.components) for (const dep of c.depends) lines.push(`  ${q(dep)} -> ${q(c.name)};`);
  lines.push('}');
  return lines.join('\n');
}
