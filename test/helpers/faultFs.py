#!/usr/bin/env python3
# A passthrough FUSE file system whose faults are switched at run time (test/helpers/faultFs.ts): the JSON control file
# named by argv[3] is read again whenever it changes. {"fsync_eio": true} fails every fsync with EIO; {"read_eio": "-wal"}
# fails the reads of files whose name ends so.
import errno, json, os, sys

try:
    from fusepy import FUSE, FuseOSError, Operations  # Debian's python3-fusepy
except ImportError:
    from fuse import FUSE, FuseOSError, Operations  # pip's fusepy

ROOT, MOUNT, CONTROL = sys.argv[1:4]
state = {'mtime': None, 'faults': {}}


def faults():
    try:
        mtime = os.stat(CONTROL).st_mtime_ns
        if mtime != state['mtime']:
            with open(CONTROL) as f:
                state['faults'] = json.load(f)
            state['mtime'] = mtime
    except (OSError, ValueError):
        pass
    return state['faults']


class FaultFs(Operations):
    def _p(self, path):
        return os.path.join(ROOT, path.lstrip('/'))

    def getattr(self, path, fh=None):
        st = os.lstat(self._p(path))
        keys = ('st_atime', 'st_ctime', 'st_gid', 'st_mode', 'st_mtime', 'st_nlink', 'st_size', 'st_uid', 'st_ino')
        return {k: getattr(st, k) for k in keys}

    def access(self, path, mode):
        if not os.access(self._p(path), mode):
            raise FuseOSError(errno.EACCES)

    def readdir(self, path, fh):
        return ['.', '..'] + os.listdir(self._p(path))

    def statfs(self, path):
        s = os.statvfs(self._p(path))
        keys = ('f_bavail', 'f_bfree', 'f_blocks', 'f_bsize', 'f_favail', 'f_ffree', 'f_files', 'f_flag', 'f_frsize', 'f_namemax')
        return {k: getattr(s, k) for k in keys}

    def chmod(self, path, mode):
        return os.chmod(self._p(path), mode)

    def chown(self, path, uid, gid):
        return os.chown(self._p(path), uid, gid)

    def utimens(self, path, times=None):
        return os.utime(self._p(path), times)

    def mkdir(self, path, mode):
        return os.mkdir(self._p(path), mode)

    def rmdir(self, path):
        return os.rmdir(self._p(path))

    def unlink(self, path):
        return os.unlink(self._p(path))

    def rename(self, old, new):
        return os.rename(self._p(old), self._p(new))

    def open(self, path, flags):
        return os.open(self._p(path), flags)

    def create(self, path, mode, fi=None):
        # Read-write: SQLite reads what it created (its -shm is mapped), and a write-only handle fails those reads.
        return os.open(self._p(path), os.O_RDWR | os.O_CREAT, mode)

    def read(self, path, length, offset, fh):
        suffix = faults().get('read_eio')
        if suffix and path.endswith(suffix):
            raise FuseOSError(errno.EIO)
        return os.pread(fh, length, offset)

    def write(self, path, buf, offset, fh):
        return os.pwrite(fh, buf, offset)

    def truncate(self, path, length, fh=None):
        os.truncate(self._p(path), length)

    def flush(self, path, fh):
        return 0

    def release(self, path, fh):
        return os.close(fh)

    def fsync(self, path, datasync, fh):
        if faults().get('fsync_eio'):
            raise FuseOSError(errno.EIO)
        return os.fsync(fh)


if __name__ == '__main__':
    # No attribute caching: SQLite grows its -shm file and maps it at once; a stale size gave SIGBUS.
    FUSE(FaultFs(), MOUNT, foreground=True, nothreads=False, attr_timeout=0, entry_timeout=0, negative_timeout=0)
