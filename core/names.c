/* placeholder until implemented */
typedef int natter_placeholder_names;
