#pragma once

#include <cstddef>
#include <string>

namespace vmlet::test {

// A fresh empty directory under TMPDIR, removed with everything in it on destruction.
class TemporaryDirectory {
public:
    TemporaryDirectory();
    ~TemporaryDirectory();
    TemporaryDirectory(const TemporaryDirectory&) = delete;
    TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;

    const std::string& path() const { return m_path; }
    std::string file(const std::string& name) const { return m_path + "/" + name; }
    size_t entry_count() const;

private:
    std::string m_path;
};

}
