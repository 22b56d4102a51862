/* placeholder until implemented */
typedef int natter_placeholder_clock_win32;
