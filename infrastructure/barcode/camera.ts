import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { errorMessage } from '../errno';
import type { ImageProblem, RgbaFrame } from './barcode-reader';

export type CameraProblem =
  | { readonly _tag: 'CameraMissing'; readonly looked: string }
  | { readonly _tag: 'CameraUnsupported'; readonly platform: string }
  | { readonly _tag: 'CameraToolMissing'; readonly device: string }
  | { readonly _tag: 'CameraFailed'; readonly device: string; readonly detail: string }
  | { readonly _tag: 'CameraTimeout'; readonly device: string; readonly seconds: number };

/** A video device and the ffmpeg input arguments that open it. */
export interface Camera {
  readonly device: string;
  readonly ffmpegInput: readonly string[];
}

/** Frames are scaled into this box (padded, aspect kept): enough pixels for a label held near the lens. */
export const FRAME = { width: 1280, height: 720 } as const;
const FRAMES_PER_SECOND = 4;

const videoDevices = (devDir: string): string[] => {
  try {
    return fs
      .readdirSync(devDir)
      .filter((name) => /^video\d+$/.test(name))
      .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)))
      .map((name) => path.join(devDir, name));
  } catch {
    return [];
  }
};

/** The first camera of this machine: a V4L2 device on Linux, the default AVFoundation one on macOS. */
export const findCamera = (platform: NodeJS.Platform = process.platform, devDir = '/dev'): E.Either<CameraProblem, Camera> => {
  if (platform === 'darwin') return E.right({ device: 'AVFoundation video device 0', ffmpegInput: ['-f', 'avfoundation', '-framerate', '30', '-i', '0'] });
  if (platform !== 'linux') return E.left({ _tag: 'CameraUnsupported', platform });
  const [device] = videoDevices(devDir);
  if (device === undefined) return E.left({ _tag: 'CameraMissing', looked: path.join(devDir, 'video*') });
  return E.right({ device, ffmpegInput: ['-f', 'v4l2', '-i', device] });
};

/** ffmpeg is found the way a shell would find it, so a missing one is reported before any frame is asked for. */
export const findOnPath = (command: string, env: NodeJS.ProcessEnv = process.env): string | undefined =>
  (env['PATH'] ?? '')
    .split(path.delimiter)
    .filter((dir) => dir !== '')
    .map((dir) => path.join(dir, command))
    .find((candidate) => {
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });

/**
 * Cuts a byte stream into frames of `frameBytes` and hands on the newest whole one each
 * time one completes (older ones are dropped: the decoder may be busy). Chunks are
 * joined once a frame's worth has arrived, not on every chunk.
 */
const newestFrames = (frameBytes: number, onFrame: (frame: Buffer) => void): ((chunk: Buffer) => void) => {
  let chunks: Buffer[] = [];
  let buffered = 0;
  return (chunk) => {
    chunks.push(chunk);
    buffered += chunk.length;
    if (buffered < frameBytes) return;
    const all = Buffer.concat(chunks, buffered);
    const whole = Math.floor(buffered / frameBytes);
    const rest = all.subarray(whole * frameBytes);
    chunks = rest.length > 0 ? [rest] : [];
    buffered = rest.length;
    onFrame(all.subarray((whole - 1) * frameBytes, whole * frameBytes));
  };
};

export type FrameDecoder = (frame: RgbaFrame) => Promise<E.Either<ImageProblem, readonly string[]>>;

/**
 * Takes frames from the camera through ffmpeg (raw RGBA, a few per second) and decodes
 * the newest one each time the decoder is free, until a frame holds a barcode or
 * `timeoutSeconds` pass. ffmpeg is always stopped before this returns.
 */
export const readBarcodesFromCamera = (
  camera: Camera,
  timeoutSeconds: number,
  decodeFrame: FrameDecoder,
  ffmpeg: string | undefined = findOnPath('ffmpeg'),
): Promise<E.Either<CameraProblem | ImageProblem, readonly string[]>> => {
  if (ffmpeg === undefined) return Promise.resolve(E.left({ _tag: 'CameraToolMissing', device: camera.device }));
  const frameBytes = FRAME.width * FRAME.height * 4;
  const scale = `fps=${FRAMES_PER_SECOND},scale=${FRAME.width}:${FRAME.height}:force_original_aspect_ratio=decrease,pad=${FRAME.width}:${FRAME.height}:-1:-1:white`;
  const args = ['-hide_banner', '-loglevel', 'error', ...camera.ffmpegInput, '-vf', scale, '-pix_fmt', 'rgba', '-f', 'rawvideo', '-'];
  return new Promise((resolve) => {
    const child = spawn(ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let decoding = false;
    let settled = false;
    let stderr = '';
    const finish = (result: E.Either<CameraProblem | ImageProblem, readonly string[]>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGTERM');
      resolve(result);
    };
    const timer = setTimeout(() => finish(E.left({ _tag: 'CameraTimeout', device: camera.device, seconds: timeoutSeconds })), timeoutSeconds * 1000);
    const tryFrame = (frame: Buffer): void => {
      decoding = true;
      void decodeFrame({ data: new Uint8ClampedArray(frame.buffer, frame.byteOffset, frame.byteLength), width: FRAME.width, height: FRAME.height }).then((read) => {
        decoding = false;
        if (E.isLeft(read)) finish(read);
        else if (read.right.length > 0) finish(read);
      });
    };
    child.stdout.on(
      'data',
      newestFrames(frameBytes, (frame) => {
        if (!decoding && !settled) tryFrame(frame);
      }),
    );
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-2000);
    });
    child.on('error', (error) => finish(E.left({ _tag: 'CameraFailed', device: camera.device, detail: errorMessage(error) })));
    child.on('close', (code) => {
      const lastLine = stderr.trim().split('\n').pop() ?? '';
      finish(E.left({ _tag: 'CameraFailed', device: camera.device, detail: lastLine === '' ? `ffmpeg stopped (exit ${code})` : lastLine }));
    });
  });
};
