// A new share's record, as POST /uploads and POST /shares both begin it: the fields of the share itself.
import { KeyName } from "./ids";
import { hashPassword } from "./passwords";
import { FileRecord } from "./store/records";
import { hashToken } from "./tokens";
import { ShareOptions } from "./validation";

/** The share-level fields of a new share's record (POST /uploads and POST /shares): who made it, until when, how
 *  often it may be downloaded and by whom. The file's (or files') fields and the sweep time are the caller's. */
export async function newShareRecord(share: {
  id: string;
  keyName: KeyName;
  deleteToken: string;
  user: { sub: string; email?: string } | undefined;
  options: ShareOptions;
  now: Date;
  expiresAtEpoch: number;
}): Promise<Omit<FileRecord, "sweepAtEpoch">> {
  const { user, options } = share;
  return {
    id: share.keyName,
    // Only GET /files hands the id back (in the owner's links); an anonymous share's record never holds it.
    shareId: user === undefined ? undefined : share.id,
    status: "pending",
    createdAt: share.now.toISOString(),
    expiresAt: new Date(share.expiresAtEpoch * 1000).toISOString(),
    expiresAtEpoch: share.expiresAtEpoch,
    downloads: 0,
    maxDownloads: options.maxDownloads,
    deleteTokenHash: hashToken(share.deleteToken),
    owner: user?.sub,
    ownerEmail: user?.email,
    passwordHash: options.password === undefined ? undefined : await hashPassword(options.password),
    recipients: options.recipients,
    ...(options.encryption !== undefined ? { encryption: options.encryption } : {}),
  };
}
