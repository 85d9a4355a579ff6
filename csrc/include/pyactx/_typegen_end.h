/* _typegen_end.h -- undo _typegen.h. */
#undef T
#undef NAME
#undef C
#undef M
#undef PYACTX_MANT_DIG
#undef PYACTX_MAX
#undef PYACTX_EPS
