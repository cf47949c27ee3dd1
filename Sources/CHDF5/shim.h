// HDF5's C API for SwiftCNN's .weights.h5 files. The library's type and property-list
// identifiers are macros that call H5open() (which Swift cannot import), so they are
// wrapped here in functions.
#include <hdf5.h>

static inline hid_t swiftcnn_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t swiftcnn_h5e_default(void) { return H5E_DEFAULT; }
static inline hid_t swiftcnn_h5s_all(void) { return H5S_ALL; }
static inline hid_t swiftcnn_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t swiftcnn_h5p_link_create(void) { return H5P_LINK_CREATE; }
static inline hid_t swiftcnn_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t swiftcnn_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t swiftcnn_h5t_ieee_f32le(void) { return H5T_IEEE_F32LE; }
static inline hid_t swiftcnn_h5t_std_i64le(void) { return H5T_STD_I64LE; }
static inline hid_t swiftcnn_h5t_c_s1(void) { return H5T_C_S1; }
static inline unsigned swiftcnn_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned swiftcnn_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline size_t swiftcnn_h5t_variable(void) { return H5T_VARIABLE; }
static inline hid_t swiftcnn_h5t_ieee_f32be(void) { return H5T_IEEE_F32BE; }
static inline hid_t swiftcnn_h5t_std_i64be(void) { return H5T_STD_I64BE; }
