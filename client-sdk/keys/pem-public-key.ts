// A PEM public key from a key file. Files made by certtool or `openssl -text` carry a description
// before the PEM block; the block is what a signer's key is.
const PUBLIC_KEY_BLOCK = /-----BEGIN PUBLIC KEY-----[^-]+-----END PUBLIC KEY-----/;

/** The first PEM "PUBLIC KEY" block in `text`, with a final newline; undefined without one. */
export function pemPublicKeyBlock(text: string): string | undefined {
  const block = PUBLIC_KEY_BLOCK.exec(text);
  return block === null ? undefined : `${block[0]}\n`;
}
