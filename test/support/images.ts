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

type MuPdf = typeof import('mupdf', { with: { 'resolution-mode': 'import' } });
let mupdf: MuPdf | undefined;

/**
 * Loads the PDF renderer: MuPDF compiled to WebAssembly (the `mupdf` dev dependency), so
 * the label-sheet tests run wherever `npm ci` ran, with no system tool. An ES module:
 * call this in a `before` hook, then renderPdfPages works synchronously.
 */
export const loadPdfRenderer = async (): Promise<void> => {
  mupdf ??= await import('mupdf');
};

const renderer = (): MuPdf => {
  if (mupdf === undefined) throw new Error('call loadPdfRenderer() in a before hook first');
  return mupdf;
};

/**
 * Renders every page of a PDF (or one region of each page, in pixels at `dpi`) as a
 * picture file: greyscale PGM, or PNG or JPEG in colour, as a printer and a scanner would
 * make of it. Only what lies in the region is drawn (a draw device clipped to it).
 */
export const renderPdfPages = (pdf: string, dpi: number, options: { format?: 'pgm' | 'png' | 'jpeg'; region?: { x: number; y: number; w: number; h: number } } = {}): string[] => {
  const m = renderer();
  const dir = fs.mkdtempSync(path.join(path.dirname(pdf), 'pages-'));
  const format = options.format ?? 'pgm';
  const document = m.Document.openDocument(fs.readFileSync(pdf), 'application/pdf');
  const files: string[] = [];
  try {
    for (let i = 0; i < document.countPages(); i++) {
      const page = document.loadPage(i);
      const scale = m.Matrix.scale(dpi / 72, dpi / 72);
      const [x0, y0, x1, y1] = m.Rect.transform(page.getBounds(), scale);
      const r = options.region ?? { x: 0, y: 0, w: Math.round(x1 - x0), h: Math.round(y1 - y0) };
      const pixmap = new m.Pixmap(format === 'pgm' ? m.ColorSpace.DeviceGray : m.ColorSpace.DeviceRGB, [r.x, r.y, r.x + r.w, r.y + r.h], false);
      pixmap.clear(255);
      const device = new m.DrawDevice(scale, pixmap);
      page.run(device, m.Matrix.identity);
      device.close();
      const file = path.join(dir, `page-${String(i + 1).padStart(2, '0')}.${format === 'jpeg' ? 'jpg' : format}`);
      fs.writeFileSync(file, format === 'png' ? pixmap.asPNG() : format === 'jpeg' ? pixmap.asJPEG(92) : pgmOf(pixmap));
      files.push(file);
    }
  } finally {
    document.destroy();
  }
  return files;
};

/** A greyscale pixmap as a binary PGM (rows copied without the stride's padding). */
const pgmOf = (pixmap: InstanceType<MuPdf['Pixmap']>): Buffer => {
  const width = pixmap.getWidth();
  const height = pixmap.getHeight();
  const stride = pixmap.getStride();
  const samples = pixmap.getPixels();
  const pixels = Buffer.alloc(width * height);
  for (let y = 0; y < height; y++) pixels.set(samples.subarray(y * stride, y * stride + width), y * width);
  return Buffer.concat([Buffer.from(`P5\n${width} ${height}\n255\n`, 'latin1'), pixels]);
};

/** A binary PGM (P5, 8 bit), as renderPdfPages writes it. */
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
