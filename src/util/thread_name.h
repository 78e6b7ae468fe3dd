// Names the calling thread (at most 15 characters, as Linux keeps them), so `top -H`, `ps -L` and perf
// tell the writer, the tagger and the HTTP workers apart.
#pragma once
#include <pthread.h>

namespace tp {

inline void name_current_thread(const char* name) {
  pthread_setname_np(pthread_self(), name);
}

}  // namespace tp
