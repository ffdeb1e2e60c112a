// Where `fileshare download` writes a share's files: the name rules (in-process) and the on-disk rules (a real
// temporary folder, with links planted in it).
import assert from "node:assert/strict";
import { lstat, mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkTarget, makeFolders, openPartial, plannedPaths } from "../../cli/outputPath";

describe("fileshare download: where a share's files may be written", () => {
  describe("the names a server gives", () => {
    const refused: [string, unknown[]][] = [
      ["a way up", ["../x"]],
      ["a way up in the middle", ["a/../../x"]],
      ["an absolute path", ["/etc/x"]],
      ["a backslash (a Windows way up)", ["a\\..\\b"]],
      ["a Windows drive path", ["C:\\Windows\\x"]],
      ["a lone dot", ["a/./b"]],
      ["an empty segment", ["a//b"]],
      ["a trailing slash", ["a/"]],
      ["a name that is not text", [42]],
      ["an empty name", [""]],
      ["a segment of dots and spaces only (nothing once made safe)", ["a/. ./b"]],
      ["two names for one file, in another case", ["Photo.JPG", "photo.jpg"]],
      ["two names for one file once made safe", ["a:b", "a_b"]],
      ["two names that are one in NFC", ["caf\u00e9.txt", "cafe\u0301.txt"]],
      ["a file that is also a folder", ["a", "a/b.txt"]],
      ["a folder that is also a file, in another case", ["Docs/x.txt", "docs"]],
    ];
    for (const [what, names] of refused) {
      it(`refuses the whole share for ${what}: ${JSON.stringify(names)}`, () => {
        assert.throws(
          () => plannedPaths(names),
          (e: Error & { exitCode?: number }) =>
            e.exitCode === 5 && /cannot be saved here.*Nothing was downloaded\.$/.test(e.message),
        );
      });
    }

    it("keeps ordinary folders, hidden names and Unicode as they are", () => {
      const planned = plannedPaths(["photos/2026/beach.jpg", "photos/.keep", "docs/Résumé (final).pdf"]);
      assert.deepEqual(
        planned.map((p) => [p.segments, p.changed]),
        [
          [["photos", "2026", "beach.jpg"], false],
          [["photos", ".keep"], false],
          [["docs", "Résumé (final).pdf"], false],
        ],
      );
    });

    it("replaces, per segment, what some system cannot hold (NUL and controls, reserved characters, device names, trailing dots), and says it changed", () => {
      const planned = plannedPaths(["a\u0000b/x.txt", "q?/CON", "dots./end\u202e.txt"]);
      assert.deepEqual(
        planned.map((p) => [p.segments, p.changed]),
        [
          [["a_b", "x.txt"], true],
          [["q_", "_CON"], true],
          [["dots", "end_.txt"], true],
        ],
      );
    });
  });

  describe("on disk", () => {
    let dir: string;
    let root: string;
    let outside: string;
    beforeEach(async () => {
      dir = await realpath(await mkdtemp(join(tmpdir(), "fileshare-outpath-")));
      root = join(dir, "out");
      outside = join(dir, "outside");
      await mkdir(root);
      await mkdir(outside);
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));

    it("creates the folders of a path inside the folder and gives the file's path", async () => {
      const path = await makeFolders(root, ["a", "b", "c.txt"]);
      assert.equal(path, join(root, "a", "b", "c.txt"));
      assert.ok((await lstat(join(root, "a", "b"))).isDirectory());
    });

    it("never goes through a link planted in the folder: a folder link is refused and nothing is created beyond it", async () => {
      await symlink(outside, join(root, "photos"));
      await assert.rejects(makeFolders(root, ["photos", "sub", "x.jpg"]), /photos is a symbolic link/);
      assert.deepEqual(await readdir(outside), [], "nothing written through the link");
    });

    it("never overwrites a file link, even with --force, and an existing file only with --force", async () => {
      await writeFile(join(outside, "target"), "precious");
      await symlink(join(outside, "target"), join(root, "x.txt"));
      await assert.rejects(checkTarget(join(root, "x.txt"), true), /x\.txt is a symbolic link/);
      await writeFile(join(root, "y.txt"), "old");
      await assert.rejects(checkTarget(join(root, "y.txt"), false), /y\.txt exists; pass --force/);
      await checkTarget(join(root, "y.txt"), true);
      await checkTarget(join(root, "z.txt"), false);
      assert.equal(await readFile(join(outside, "target"), "utf8"), "precious");
    });

    it("creates the partial file itself, never through a link left in its place (the link is removed, its target untouched)", async () => {
      await writeFile(join(outside, "target"), "precious");
      await symlink(join(outside, "target"), join(root, "x.txt.fileshare-partial"));
      const { partial, handle } = await openPartial(root, join(root, "x.txt"));
      await handle.write("new");
      await handle.close();
      assert.ok((await lstat(partial)).isFile(), "a plain file, not the link");
      assert.equal(await readFile(join(outside, "target"), "utf8"), "precious");
    });

    it("refuses a partial file whose folder leads outside the folder (a folder swapped for a link after the check)", async () => {
      await symlink(outside, join(root, "swapped"));
      await assert.rejects(openPartial(root, join(root, "swapped", "x.txt")), /is not inside the folder asked for/);
      assert.deepEqual(await readdir(outside), [], "the file created outside was removed");
    });
  });
});
