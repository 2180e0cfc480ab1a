#pragma once

#include "devices/fs/fuse_server.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace vmlet::fs::testing {

// Talks to a FuseServer as the guest's FUSE would, with host buffers standing in for guest ones.
struct FuseClient {
    struct Answer {
        int error { 0 };
        std::vector<uint8_t> payload;
        template<typename T>
        T as() const
        {
            T value {};
            EXPECT_GE(payload.size(), sizeof(T));
            std::memcpy(&value, payload.data(), std::min(sizeof(T), payload.size()));
            return value;
        }
    };

    explicit FuseClient(FuseServer& fuse_server)
        : server(fuse_server)
    {
    }

    Answer call(uint32_t opcode, uint64_t node, std::vector<uint8_t> args, std::vector<uint8_t> data = {}, size_t room = 1 << 20)
    {
        fuse_in_header header {};
        header.len = uint32_t(sizeof(header) + args.size() + data.size());
        header.opcode = opcode;
        header.unique = ++unique;
        header.nodeid = node;
        header.uid = uid;
        header.gid = gid;
        std::vector<iovec> payload;
        if (!data.empty())
            payload.push_back({ data.data(), data.size() });
        std::vector<uint8_t> out(room, 0xee);
        iovec reply { out.data(), out.size() };
        uint32_t written = server.handle(header, args, payload, { &reply, 1 });
        Answer answer;
        if (written == 0) {
            answer.error = -1; // no reply
            return answer;
        }
        fuse_out_header out_header {};
        std::memcpy(&out_header, out.data(), sizeof(out_header));
        EXPECT_EQ(out_header.unique, unique);
        EXPECT_EQ(out_header.len, written);
        answer.error = -out_header.error;
        answer.payload.assign(out.begin() + sizeof(out_header), out.begin() + written);
        return answer;
    }

    template<typename T>
    static std::vector<uint8_t> args(const T& object, std::initializer_list<std::string_view> names = {})
    {
        std::vector<uint8_t> bytes(reinterpret_cast<const uint8_t*>(&object), reinterpret_cast<const uint8_t*>(&object) + sizeof(T));
        for (auto name : names) {
            bytes.insert(bytes.end(), name.begin(), name.end());
            bytes.push_back(0);
        }
        return bytes;
    }
    static std::vector<uint8_t> names(std::initializer_list<std::string_view> list)
    {
        std::vector<uint8_t> bytes;
        for (auto name : list) {
            bytes.insert(bytes.end(), name.begin(), name.end());
            bytes.push_back(0);
        }
        return bytes;
    }

    int init()
    {
        fuse_init_in in {};
        in.major = FUSE_KERNEL_VERSION;
        in.minor = 36;
        in.max_readahead = 65536;
        in.flags = FUSE_DO_READDIRPLUS | FUSE_MAX_PAGES;
        return call(FUSE_INIT, 0, args(in)).error;
    }
    // LOOKUP: the node ID, or 0 with the error.
    std::pair<uint64_t, int> lookup(uint64_t parent, std::string_view name)
    {
        auto answer = call(FUSE_LOOKUP, parent, names({ name }));
        return { answer.error ? 0 : answer.as<fuse_entry_out>().nodeid, answer.error };
    }
    fuse_entry_out entry(uint64_t parent, std::string_view name)
    {
        auto answer = call(FUSE_LOOKUP, parent, names({ name }));
        EXPECT_EQ(answer.error, 0) << name;
        return answer.error ? fuse_entry_out {} : answer.as<fuse_entry_out>();
    }
    // OPEN (or OPENDIR): the handle, or 0 with the error.
    std::pair<uint64_t, int> open(uint64_t node, uint32_t flags, bool directory = false)
    {
        fuse_open_in in {};
        in.flags = flags;
        auto answer = call(directory ? FUSE_OPENDIR : FUSE_OPEN, node, args(in));
        return { answer.error ? 0 : answer.as<fuse_open_out>().fh, answer.error };
    }
    Answer read(uint64_t handle, uint64_t offset, uint32_t size, uint32_t opcode = FUSE_READ)
    {
        fuse_read_in in {};
        in.fh = handle;
        in.offset = offset;
        in.size = size;
        return call(opcode, 0, args(in));
    }
    Answer write(uint64_t handle, uint64_t offset, std::string_view text)
    {
        fuse_write_in in {};
        in.fh = handle;
        in.offset = offset;
        in.size = uint32_t(text.size());
        return call(FUSE_WRITE, 0, args(in), { text.begin(), text.end() });
    }
    Answer create(uint64_t parent, std::string_view name, uint32_t flags, uint32_t mode)
    {
        fuse_create_in in {};
        in.flags = flags;
        in.mode = mode;
        return call(FUSE_CREATE, parent, args(in, { name }));
    }

    // The names a READDIR(PLUS) payload lists.
    static std::vector<std::string> dirent_names(const std::vector<uint8_t>& payload, bool plus)
    {
        std::vector<std::string> names;
        size_t header = plus ? FUSE_NAME_OFFSET_DIRENTPLUS : FUSE_NAME_OFFSET;
        for (size_t at = 0; at + header <= payload.size();) {
            fuse_dirent dirent {};
            std::memcpy(&dirent, payload.data() + at + header - FUSE_NAME_OFFSET, FUSE_NAME_OFFSET);
            names.emplace_back(reinterpret_cast<const char*>(payload.data() + at + header), dirent.namelen);
            at += FUSE_DIRENT_ALIGN(header + dirent.namelen);
        }
        return names;
    }

    FuseServer& server;
    uint64_t unique { 0 };
    uint32_t uid { 0 };
    uint32_t gid { 0 };
};

}
