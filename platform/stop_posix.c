/* placeholder until implemented */
typedef int natter_placeholder_stop_posix;
