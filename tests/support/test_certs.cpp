// test_certs.cpp - see test_certs.h. The script does the work; this only
// runs it once and remembers where.
#include "support/test_certs.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <vector>

#include <unistd.h>

namespace {
std::once_flag made;
std::string dir_made;
std::string why_not;

void make() {
    std::filesystem::create_directories(NATTER_TLS_TMP);
    std::string tmpl = std::string(NATTER_TLS_TMP) + "/certs-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data())) {
        why_not = "cannot make a directory under " + std::string(NATTER_TLS_TMP);
        return;
    }
    std::string dir = buf.data();
    std::string cmd = "sh '" NATTER_SOURCE_DIR "/tests/support/make_test_certs.sh' '" NATTER_OPENSSL
                      "' '" +
                      dir + "' 2>&1";
    FILE *p = popen(cmd.c_str(), "r");
    std::string out;
    char chunk[512];
    size_t n;
    while (p && (n = fread(chunk, 1, sizeof chunk, p)) > 0)
        out.append(chunk, n);
    int status = p ? pclose(p) : -1;
    if (status != 0) {
        why_not = "making test certificates failed: " + out;
        return;
    }
    dir_made = dir;
}
}  // namespace

std::string test_certs_dir(std::string *err) {
    std::call_once(made, make);
    if (dir_made.empty() && err) *err = why_not;
    return dir_made;
}

std::string test_cert(const std::string &file) { return dir_made + "/" + file; }
