/** An image by digest as the deploy's log and notifications name it: the digest cut to 12 hex characters. */
export const shortImage = (image: string) => image.replace(/@sha256:([0-9a-f]{12})[0-9a-f]+$/, '@sha256:$1…');
