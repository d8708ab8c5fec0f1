// An API report in one canonical form, so that the same sources always give the same report.
//
// Why: TypeScript prints an inferred object type's properties (a derived zod shape, a z.enum's
// values) and an inferred union's members in the order its checker first met their names, and
// tsup's declaration bundler emits the files in whatever order Rollup loads them. Two builds of
// the same sources then give .d.ts files whose derived schemas list their properties in a
// different order. A report is made canonical before it is compared or written: the properties
// of every type literal and the members of every union are sorted; nothing else moves.
import ts from 'typescript';

const fenceOpen = '```ts\n';
const fenceClose = '\n```';

/** `report` (an API Extractor report: markdown around one ts block) with its declarations canonical. */
export function canonicalApiReport(report: string): string {
  const open = report.indexOf(fenceOpen);
  const close = report.lastIndexOf(fenceClose);
  if (open === -1 || close <= open) return report;
  const start = open + fenceOpen.length;
  const source = ts.createSourceFile(
    'report.d.ts',
    report.slice(start, close),
    ts.ScriptTarget.Latest,
    true,
    ts.ScriptKind.TS,
  );
  return report.slice(0, start) + print(source, source) + report.slice(close);
}

// A node's full text (its leading trivia included), with the lists below it made canonical.
function print(node: ts.Node, source: ts.SourceFile): string {
  const children = node.getChildren(source);
  if (children.length === 0) return node.getFullText(source);
  return children
    .map((child) => {
      if (child.kind !== ts.SyntaxKind.SyntaxList) return print(child, source);
      const items = child.getChildren(source);
      if (ts.isTypeLiteralNode(node) && items.every(ts.isPropertySignature)) {
        const texts = items.map((item) => print(item, source));
        return permuted(
          texts,
          items.map((item) => item.name.getText(source).replace(/^(['"])(.*)\1$/, '$2')),
        ).join('');
      }
      if (ts.isUnionTypeNode(node)) {
        // The members, between `|` tokens (and after a leading one): only the members move.
        const members = items.filter((item) => item.kind !== ts.SyntaxKind.BarToken);
        const texts = members.map((member) => print(member, source));
        const order = permuted(texts, texts.map(withoutLeadingSpace));
        let next = 0;
        return items
          .map((item) => (item.kind === ts.SyntaxKind.BarToken ? print(item, source) : order[next++]!))
          .join('');
      }
      return print(child, source);
    })
    .join('');
}

// The texts sorted by their keys, each slot keeping the whitespace that led it (a comment moves
// with its item).
function permuted(texts: readonly string[], keys: readonly string[]): string[] {
  const order = texts.map((_, index) => index).sort((a, b) => compare(keys[a]!, keys[b]!));
  return texts.map((text, slot) => leadingSpace(text) + withoutLeadingSpace(texts[order[slot]!]!));
}

function leadingSpace(text: string): string {
  return /^\s*/.exec(text)![0];
}

function withoutLeadingSpace(text: string): string {
  return text.slice(leadingSpace(text).length);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
