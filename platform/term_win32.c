/* placeholder until implemented */
typedef int natter_placeholder_term_win32;
