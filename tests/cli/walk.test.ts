// What `fileshare upload a.pdf photos/` takes from the disk (in-process, on a real temporary folder), and the
// checks made before anything is sent.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkShare } from "../../cli/shareCheck";
import { LocalFile, walk } from "../../cli/walk";

describe("fileshare upload: the files of a share", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "fileshare-walk-"));
    await mkdir(join(dir, "photos", "2026"), { recursive: true });
    await mkdir(join(dir, "photos", ".git"));
    await writeFile(join(dir, "a.pdf"), "pdf");
    await writeFile(join(dir, "photos", "b.jpg"), "bb");
    await writeFile(join(dir, "photos", "2026", "c.jpg"), "ccc");
    await writeFile(join(dir, "photos", ".env"), "SECRET=1");
    await writeFile(join(dir, "photos", ".git", "config"), "x");
    await writeFile(join(dir, "photos", "empty.txt"), "");
    await writeFile(join(dir, "outside.txt"), "not in the folder");
    await symlink(join(dir, "outside.txt"), join(dir, "photos", "link.txt"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("takes files under their own names and folders recursively under relative /-separated paths; skips links, hidden names and empty files, saying each", async () => {
    const said: string[] = [];
    const files = await walk([join(dir, "a.pdf"), join(dir, "photos")], { hidden: false, say: (l) => said.push(l) });
    assert.deepEqual(
      files.map((f) => [f.name, f.size]),
      [
        ["a.pdf", 3],
        ["photos/2026/c.jpg", 3],
        ["photos/b.jpg", 2],
      ],
    );
    assert.deepEqual(said, [
      'fileshare: skipping "photos/empty.txt": empty (a share holds no empty file).',
      'fileshare: skipping "photos/link.txt": a symbolic link (links inside a folder are not followed).',
      'fileshare: skipped hidden files and folders (names starting with "."): "photos/.env" and 1 more; pass --hidden to include them.',
    ]);
  });

  it("takes hidden files and folders with --hidden, never a link", async () => {
    const files = await walk([join(dir, "photos")], { hidden: true, say: () => undefined });
    assert.deepEqual(
      files.map((f) => f.name),
      ["photos/.env", "photos/.git/config", "photos/2026/c.jpg", "photos/b.jpg"],
    );
  });

  it("refuses an argument that is neither a file nor a folder, an empty file named, and a folder with nothing to send", async () => {
    const say = () => undefined;
    await assert.rejects(walk([join(dir, "missing")], { hidden: false, say }), /is not a readable file or folder/);
    await assert.rejects(walk([join(dir, "photos", "empty.txt")], { hidden: false, say }), /is empty/);
    await mkdir(join(dir, "only-hidden"));
    await writeFile(join(dir, "only-hidden", ".x"), "x");
    await assert.rejects(walk([join(dir, "only-hidden")], { hidden: false, say }), /holds no file to share/);
  });

  describe("checks before anything is sent", () => {
    const file = (name: string, size = 10): LocalFile => ({ path: `/here/${name}`, name, size, mtimeMs: 0 });
    const limits = { maxFilesPerShare: 3, maxFileSizeBytes: 100, maxShareSizeBytes: 150 };

    it("refuses too many files, naming the setting", () => {
      assert.throws(
        () =>
          checkShare(
            ["a", "b", "c", "d"].map((n) => file(n)),
            limits,
          ),
        /More than 3 files: .*fileshare:maxFilesPerShare setting/,
      );
    });
    it("refuses a file too large, naming the file and the setting", () => {
      assert.throws(
        () => checkShare([file("big.bin", 101)], limits),
        /\/here\/big\.bin is 101 bytes: .*fileshare:maxFileSizeBytes/,
      );
    });
    it("refuses a share too large, naming the setting", () => {
      assert.throws(
        () => checkShare([file("a", 80), file("b", 80)], limits),
        /The 2 files come to 160 bytes: .*fileshare:maxShareSizeBytes/,
      );
    });
    it("refuses a name repeated in another case, naming both files", () => {
      assert.throws(
        () =>
          checkShare(
            [file("x/Photo.JPG"), file("y/photo.jpg")].map((f) => ({ ...f, name: f.name.split("/")[1] as string })),
            limits,
          ),
        /\/here\/y\/photo\.jpg and \/here\/x\/Photo\.JPG would both be "photo\.jpg" in the share \(names are compared ignoring case/,
      );
    });
    it("refuses a bad path, naming the file", () => {
      assert.throws(
        () => checkShare([file("a\\b.txt")], limits),
        /\/here\/a\\b\.txt cannot be shared as "a\\\\b\.txt": its name must not contain \\/,
      );
    });
    it("passes a share within every limit", () => {
      checkShare([file("a/x.txt"), file("a/y.txt"), file("b.txt")], limits);
    });
  });
});
