// The share key of an encrypted share and where it travels: only in the link's fragment (after "#"), which
// browsers never send to a server. 16 random bytes, written as 22 characters of base64url.
import { randomBytes } from "node:crypto";
import { cliError, EXIT } from "../errors";
import { KEY_SIZE } from "./ece";

/** A fresh share key. */
export const newShareKey = (): Buffer => randomBytes(KEY_SIZE);

/** The key as the link's fragment: base64url without padding. */
export function keyToFragment(key: Uint8Array): string {
  if (key.length !== KEY_SIZE) throw new Error(`the share key must be ${KEY_SIZE} bytes`);
  return Buffer.from(key).toString("base64url");
}

/** The key a fragment holds, or a CliError (usage) when it holds anything but exactly 16 bytes in canonical
 *  base64url. */
export function keyFromFragment(fragment: string): Buffer {
  const key = Buffer.from(fragment, "base64url");
  if (!/^[A-Za-z0-9_-]{22}$/.test(fragment) || key.length !== KEY_SIZE || keyToFragment(key) !== fragment) {
    throw cliError(
      EXIT.usage,
      `The key in the link (the part after "#") must be 22 characters of base64url (16 bytes); copy the whole link again.`,
    );
  }
  return key;
}

/** The link to hand out: the share URL with the key as its fragment. */
export const linkWithKey = (shareUrl: string, key: Uint8Array): string =>
  `${shareUrl.split("#")[0]}#${keyToFragment(key)}`;

/** The key in a link's fragment, or undefined when the link has none (then the share cannot be decrypted). */
export function keyFromLink(link: string): Buffer | undefined {
  const at = link.indexOf("#");
  return at === -1 || at === link.length - 1 ? undefined : keyFromFragment(link.slice(at + 1));
}
