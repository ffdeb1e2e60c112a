// What the encrypted-share browser tests share: the capture of every request a page (or every page of a context)
// makes and the check that none carried the share key; and, because headless Chromium cannot answer the native
// save dialogs, the one substitute they use: window.showSaveFilePicker and window.showDirectoryPicker return real
// handles in the origin-private file system (navigator.storage.getDirectory()), which the page's own code writes
// through as it would to disk, and savedFiles() reads back.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { BrowserContext, Page, Request } from "playwright-core";
import { keyToFragment } from "../../cli/crypto/shareKey";

/** SHA-256 of bytes, in hex (as savedFiles gives it). */
export const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

/** One request as Chromium sent it. Playwright shows the JSON bodies of API calls but not the Blob bodies of PUTs
 *  to storage: those are the stored objects, which a test reads from S3 when it must. */
export interface Sent {
  url: string;
  headers: Record<string, string>;
  body: Buffer | null;
}

export async function sentOf(r: Request): Promise<Sent> {
  return { url: r.url(), headers: await r.allHeaders(), body: r.postDataBuffer() };
}

/** Every request `where` (a page, or every page of a context) makes from now on; read after the flow. */
export function recordRequests(where: Page | BrowserContext): () => Promise<Sent[]> {
  const pending: Promise<Sent>[] = [];
  // Both a Page and a BrowserContext emit "request" with the Request; their overloads do not unify.
  (where as Page).on("request", (r: Request) => void pending.push(sentOf(r)));
  return () => Promise.all(pending);
}

/** The key, as the link's fragment or as raw bytes, is in no URL, header or body of `sent`. */
export function assertKeyNeverSent(sent: Sent[], key: Buffer): void {
  const fragment = keyToFragment(key);
  assert.ok(sent.length > 0, "requests were captured");
  for (const r of sent) {
    const where = `${r.url} ${JSON.stringify(r.headers)}`;
    assert.ok(!where.includes(fragment), `the key went out in a request's URL or headers: ${r.url}`);
    assert.ok(!r.body?.includes(fragment), `the key went out in the body of ${r.url}`);
    assert.ok(!r.body?.includes(key), `the key's raw bytes went out in the body of ${r.url}`);
  }
}

/** Installs the pickers' substitute in every page of `context` from now on: a file saved through the save picker
 *  lands at the root of the origin-private file system under its suggested name, the folder chosen for
 *  Download all is "picked". Everything after the picker (createWritable, write, abort, close) is Chromium's own. */
export async function pickIntoOriginPrivateFiles(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const root = () => navigator.storage.getDirectory();
    const w = window as unknown as Record<string, unknown>;
    w["showSaveFilePicker"] = async (o: { suggestedName: string }) =>
      (await root()).getFileHandle(o.suggestedName, { create: true });
    w["showDirectoryPicker"] = async () => (await root()).getDirectoryHandle("picked", { create: true });
  });
}

/** What a saved file in the origin-private file system holds. */
export interface Saved {
  path: string;
  size: number;
  sha256: string;
}

/** Every file in the page's origin-private file system, with its path, size and SHA-256, in path order. */
export const savedFiles = (page: Page): Promise<Saved[]> =>
  page.evaluate(async () => {
    const out: { path: string; size: number; sha256: string }[] = [];
    const walk = async (dir: FileSystemDirectoryHandle, prefix: string) => {
      for await (const [name, handle] of dir as unknown as AsyncIterable<[string, FileSystemHandle]>) {
        if (handle.kind === "directory") await walk(handle as FileSystemDirectoryHandle, prefix + name + "/");
        else {
          const f = await (handle as FileSystemFileHandle).getFile();
          const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", await f.arrayBuffer()));
          const hex = [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
          out.push({ path: prefix + name, size: f.size, sha256: hex });
        }
      }
    };
    await walk(await navigator.storage.getDirectory(), "");
    return out.sort((a, b) => a.path.localeCompare(b.path));
  });
