// Container images made locally, because no registry is reachable: an OCI image
// layout (image-spec image-layout.md) per image, imported with `ctr images import`.
// The pause image holds the project's own pause binary; busybox holds Debian's
// busybox-static with one symlink per applet.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, copyFileSync, chmodSync } from 'node:fs';
import path from 'node:path';

export const PAUSE_IMAGE = 'registry.k8s.io/pause:3.10.2'; // containerd v2.3's DefaultSandboxImage (internal/cri/config/config.go)
export const BUSYBOX_IMAGE = 'localhost/busybox:kt';

const sha = (b) => createHash('sha256').update(b).digest('hex');

function layout(dir, name, rootfs, config) {
  const blobs = path.join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const layer = execFileSync('tar', ['--owner=0', '--group=0', '--numeric-owner', '--sort=name', '--mtime=@0', '-C', rootfs, '-cf', '-', '.'], { maxBuffer: 64 << 20 });
  const put = (buf) => { const d = sha(buf); writeFileSync(path.join(blobs, d), buf); return { digest: `sha256:${d}`, size: buf.length }; };
  const l = put(layer);
  const cfg = put(Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', config,
    rootfs: { type: 'layers', diff_ids: [l.digest] },
  })));
  const manifest = put(Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...cfg },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...l }],
  })));
  writeFileSync(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(path.join(dir, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    manifests: [{
      mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest,
      platform: { architecture: 'amd64', os: 'linux' },
      // containerd names an imported image after this annotation (core/images/annotations.go).
      annotations: { 'io.containerd.image.name': name, 'org.opencontainers.image.ref.name': name },
    }],
  }));
  const tarball = `${dir}.tar`;
  execFileSync('tar', ['-C', dir, '-cf', tarball, '.']);
  return tarball;
}

/** Builds the two image tarballs under `work` and returns [{name, tarball}]. */
export function buildImages(work, pauseBinary) {
  const out = [];
  const pause = path.join(work, 'pause-root');
  mkdirSync(pause, { recursive: true });
  copyFileSync(pauseBinary, path.join(pause, 'pause'));
  chmodSync(path.join(pause, 'pause'), 0o755);
  // 65535 as upstream's pause image runs (k/k build/pause/Dockerfile: USER 65535:65535).
  out.push({ name: PAUSE_IMAGE, tarball: layout(path.join(work, 'pause-oci'), PAUSE_IMAGE, pause, { Entrypoint: ['/pause'], User: '65535:65535' }) });

  const bb = path.join(work, 'busybox-root');
  mkdirSync(path.join(bb, 'bin'), { recursive: true });
  for (const d of ['tmp', 'etc', 'var', 'root']) mkdirSync(path.join(bb, d), { recursive: true });
  copyFileSync('/bin/busybox', path.join(bb, 'bin', 'busybox'));
  chmodSync(path.join(bb, 'bin', 'busybox'), 0o755);
  const applets = execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => /^[a-z0-9_.[-]+$/.test(a) && a !== 'busybox');
  for (const a of applets) symlinkSync('busybox', path.join(bb, 'bin', a));
  writeFileSync(path.join(bb, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  writeFileSync(path.join(bb, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
  out.push({ name: BUSYBOX_IMAGE, tarball: layout(path.join(work, 'busybox-oci'), BUSYBOX_IMAGE, bb, { Cmd: ['sh'], Env: ['PATH=/bin'] }) });
  return out;
}

/** Imports the tarballs into containerd's k8s.io namespace, where the CRI plugin finds them. */
export function importImages(ctr, address, images) {
  for (const { tarball } of images) {
    execFileSync(ctr, ['--address', address, '--namespace', 'k8s.io', 'images', 'import', '--platform', 'linux/amd64', tarball], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
}

export function removeImageWork(work) {
  rmSync(work, { recursive: true, force: true });
}
