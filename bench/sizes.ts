// `npm run bench`, size rows: each archive and the layer, zipped and unzipped, vs default packing (no
// codePathOptions). Run after coldStart.ts, which lays out the default-packed archive under `root`.
import { join } from "node:path";
import { ratioOf, Row } from "./report";
import * as s from "./support";
import { kb } from "./support";

export async function sizes(built: s.Built, root: string): Promise<Row[]> {
  const rows: Row[] = [];
  const row = s.row;
  const baseline = await s.archiveSize(join(root, "default-createUpload"));
  const base = `default packing ${kb(baseline.zipped)} zip, ${kb(baseline.unzipped)}`;
  for (const f of built.functions) {
    await s.layOutArchive(f.indexJs, f.folders, join(root, "size", f.name));
    const size = await s.archiveSize(join(root, "size", f.name));
    rows.push(row("size", `${f.name} zipped`, kb(size.zipped), ratioOf(size.zipped, baseline.zipped), base, "≤ 0.05"));
    rows.push(
      row("size", `${f.name} unzipped`, kb(size.unzipped), ratioOf(size.unzipped, baseline.unzipped), base, "≤ 0.05"),
    );
  }
  const layer = await s.archiveSize(join(root, "opt"));
  rows.push(row("size", "SDK layer zipped", kb(layer.zipped), ratioOf(layer.zipped, baseline.zipped), base, ""));
  rows.push(
    row("size", "SDK layer unzipped", kb(layer.unzipped), ratioOf(layer.unzipped, baseline.unzipped), base, ""),
  );
  return rows;
}
