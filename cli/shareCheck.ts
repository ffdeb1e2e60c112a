// The checks `fileshare upload` makes on a share of several files before anything is sent, against the stack's
// limits from GET /config and the API's path rules (contract/paths.ts): each refusal names the file and the
// setting, so nothing is created that the API would turn away half-way.
import { StackLimits } from "./config";
import { cliError, EXIT } from "./errors";
import { shown } from "./fileName";
import { formatSize } from "./shareText";
import { LocalFile } from "./walk";
import { pathClash, pathProblem } from "../contract/paths";

export function checkShare(files: readonly LocalFile[], limits: StackLimits): void {
  const { maxFilesPerShare: maxFiles, maxFileSizeBytes: maxFile, maxShareSizeBytes: maxShare } = limits;
  if (maxFiles !== undefined && files.length > maxFiles) {
    throw cliError(
      EXIT.refused,
      `More than ${maxFiles} files: a share holds at most ${maxFiles} on this stack (its fileshare:maxFilesPerShare setting); send them in several shares, or as one archive. Nothing was sent.`,
    );
  }
  for (const f of files) {
    if (maxFile !== undefined && f.size > maxFile) {
      throw cliError(
        EXIT.refused,
        `${f.path} is ${formatSize(f.size)}: larger than this stack accepts (at most ${formatSize(maxFile)} a file, its fileshare:maxFileSizeBytes setting). Nothing was sent.`,
      );
    }
  }
  const total = files.reduce((sum, f) => sum + f.size, 0);
  if (maxShare !== undefined && total > maxShare) {
    throw cliError(
      EXIT.refused,
      `The ${files.length} files come to ${formatSize(total)}: more than a share holds on this stack (at most ${formatSize(maxShare)}, its fileshare:maxShareSizeBytes setting). Nothing was sent.`,
    );
  }
  // The API trims and NFC-normalises each name before its checks (docs/api.md), so the same is done here.
  const names = files.map((f) => f.name.trim().normalize("NFC"));
  for (const [i, name] of names.entries()) {
    const problem = pathProblem(name);
    if (problem !== undefined) {
      throw cliError(
        EXIT.usage,
        `${files[i]?.path} cannot be shared as ${shown(name)}: its name ${problem}. Nothing was sent.`,
      );
    }
  }
  const clash = pathClash(names);
  if (clash !== undefined) {
    const [mine, theirs] = [files[clash.index] as LocalFile, files[clash.earlier] as LocalFile];
    throw cliError(
      EXIT.usage,
      clash.kind === "same"
        ? `${mine.path} and ${theirs.path} would both be ${shown(mine.name)} in the share (names are compared ignoring case, as macOS and Windows do): rename one. Nothing was sent.`
        : `${mine.path} and ${theirs.path} would be a file and a folder of the same name in the share: rename one. Nothing was sent.`,
    );
  }
}
