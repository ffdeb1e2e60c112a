// The published examples of RFC 8188 (Encrypted Content-Encoding for HTTP), sections 3.1 and 3.2,
// https://www.rfc-editor.org/rfc/rfc8188#section-3 , in base64url as printed there (the same bytes are the RFC test
// vectors of many independent implementations; a changed byte would fail GCM's tag). The Node and the page's
// implementations are both held to them.

/** Section 3.1, "Encryption of a Response": one record, rs 4096, empty key id. */
export const SECTION_3_1 = {
  plaintext: "I am the walrus",
  ikm: "yqdlZ-tYemfogSmv7Ws5PQ",
  body: "I1BsxtFttlv3u_Oo94xnmwAAEAAA-NAVub2qFgBEuQKRapoZu-IxkIva3MEB1PD-ly8Thjg",
};

/** Section 3.2, "Encryption with Multiple Records": rs 25, key id "a1", two records, the first padded with a
 *  zero byte after its delimiter. */
export const SECTION_3_2 = {
  plaintext: "I am the walrus",
  ikm: "BO3ZVPxUlnLORbVGMpbT1Q",
  body: "uNCkWiNYzKTnBN9ji3-qWAAAABkCYTHOG8chz_gnvgOqdGYovxyjuqRyJFjEDyoF1Fvkj6hQPdPHI51OEUKEpgz3SsLWIqS_uA",
};
