import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { seededRandom } from './seeded';

/** A greyscale picture: one byte per pixel, 0 black, 255 white. */
export interface Grey {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;
}

/**
 * Why tests that render PDFs cannot run here (the `skip` reason), or false when they can:
 * pdftoppm (Debian poppler-utils) is a system tool; `.ci/run` installs it, a machine with
 * only Node and npm may not have it.
 */
export const pdftoppmMissing = (): string | false => {
  try {
    execFileSync('pdftoppm', ['-v'], { stdio: 'pipe' });
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'pdftoppm is not installed (Debian poppler-utils; .ci/run installs it)' : false;
  }
};

/**
 * Renders every page of a PDF as a greyscale PGM with poppler's pdftoppm (Debian
 * poppler-utils; .ci/run installs it): what a printer and a scanner would make of it.
 */
export const renderPdfPages = (pdf: string, dpi: number, options: { format?: 'pgm' | 'png' | 'jpeg'; region?: { x: number; y: number; w: number; h: number } } = {}): string[] => {
  const dir = fs.mkdtempSync(path.join(path.dirname(pdf), 'pages-'));
  const format = options.format ?? 'pgm';
  const flag = format === 'pgm' ? ['-gray'] : [`-${format}`];
  const region = options.region === undefined ? [] : ['-x', `${options.region.x}`, '-y', `${options.region.y}`, '-W', `${options.region.w}`, '-H', `${options.region.h}`];
  try {
    execFileSync('pdftoppm', ['-r', String(dpi), ...flag, ...region, pdf, path.join(dir, 'page')], { stdio: 'pipe' });
  } catch (error) {
    throw new Error(`pdftoppm failed (is poppler-utils installed? .ci/run installs it): ${String(error)}`);
  }
  return fs
    .readdirSync(dir)
    .sort()
    .map((name) => path.join(dir, name));
};

/** A binary PGM (P5, 8 bit) as pdftoppm -gray writes it. */
export const readPgm = (file: string): Grey => {
  const bytes = fs.readFileSync(file);
  const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(bytes.subarray(0, 64).toString('latin1'));
  if (header === null || header[3] !== '255') throw new Error(`${file} is not an 8-bit binary PGM`);
  const width = Number(header[1]);
  const height = Number(header[2]);
  return { width, height, pixels: new Uint8Array(bytes.subarray(header[0].length, header[0].length + width * height)) };
};

const chunk = (type: string, data: Buffer): Buffer => {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  return Buffer.concat([length, body, crc]);
};

/** A greyscale PNG file's bytes (8-bit, no filter): enough to hand a made-up photo to the CLI. */
export const encodePng = (image: Grey): Buffer => {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(image.width, 0);
  header.writeUInt32BE(image.height, 4);
  header.set([8, 0, 0, 0, 0], 8); // 8 bits, greyscale, deflate, no filter method, no interlace
  const rows = Buffer.alloc((image.width + 1) * image.height);
  for (let y = 0; y < image.height; y++) rows.set(image.pixels.subarray(y * image.width, (y + 1) * image.width), y * (image.width + 1) + 1);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
};

/** A white picture with nothing on it. */
export const blank = (width: number, height: number): Grey => ({ width, height, pixels: new Uint8Array(width * height).fill(255) });

const at = (image: Grey, x: number, y: number): number =>
  x < 0 || y < 0 || x >= image.width || y >= image.height ? 255 : (image.pixels[y * image.width + x] ?? 255);

/** Rotated by `degrees` about the centre (bilinear), on a canvas `pad` pixels larger on each side. */
export const rotate = (image: Grey, degrees: number, pad: number): Grey => {
  const width = image.width + 2 * pad;
  const height = image.height + 2 * pad;
  const out = new Uint8Array(width * height);
  const [cos, sin] = [Math.cos((degrees * Math.PI) / 180), Math.sin((degrees * Math.PI) / 180)];
  const [cx, cy] = [width / 2, height / 2];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // Where this output pixel comes from in the source.
      const sx = cos * (x - cx) + sin * (y - cy) + image.width / 2;
      const sy = -sin * (x - cx) + cos * (y - cy) + image.height / 2;
      const [x0, y0] = [Math.floor(sx), Math.floor(sy)];
      const [fx, fy] = [sx - x0, sy - y0];
      const top = at(image, x0, y0) * (1 - fx) + at(image, x0 + 1, y0) * fx;
      const bottom = at(image, x0, y0 + 1) * (1 - fx) + at(image, x0 + 1, y0 + 1) * fx;
      out[y * width + x] = Math.round(top * (1 - fy) + bottom * fy);
    }
  }
  return { width, height, pixels: out };
};

/** A box blur of `radius` pixels: a phone camera slightly out of focus. */
export const blur = (image: Grey, radius: number): Grey => {
  const out = new Uint8Array(image.pixels.length);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      let sum = 0;
      let n = 0;
      for (let dy = -radius; dy <= radius; dy++) {
        for (let dx = -radius; dx <= radius; dx++) {
          sum += at(image, x + dx, y + dy);
          n++;
        }
      }
      out[y * image.width + x] = Math.round(sum / n);
    }
  }
  return { ...image, pixels: out };
};

/**
 * Sensor noise (uniform, ±`amplitude`) and light that falls off across the picture
 * (`shade`: how much darker the right edge is than the left), as in a desk photo.
 */
export const photoNoise = (image: Grey, amplitude: number, shade: number, seed = 42): Grey => {
  const random = seededRandom(seed);
  const out = new Uint8Array(image.pixels.length);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const light = 1 - (shade * x) / image.width;
      const value = (image.pixels[y * image.width + x] ?? 255) * light + (random() * 2 - 1) * amplitude;
      out[y * image.width + x] = Math.max(0, Math.min(255, Math.round(value)));
    }
  }
  return { ...image, pixels: out };
};
