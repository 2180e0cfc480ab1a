#pragma once

namespace vmlet {

// Copies bytes from `from` to `to` until `from` ends (end of file, or an error such as EIO on a
// pty's master once its terminal side is closed) or the eventfd `stop` fires. True when `from`
// ended, false when stopped or when writing to `to` failed.
bool copy_until_end(int from, int to, int stop);

}
