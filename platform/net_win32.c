/* placeholder until implemented */
typedef int natter_placeholder_net_win32;
