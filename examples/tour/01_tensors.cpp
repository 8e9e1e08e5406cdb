// Tour, chapter 1 (docs/tour/01-tensors.md): a tensor is a storage plus a view of it (shape,
// strides, offset); transposing, slicing and broadcasting make new views, not copies.
#include <iostream>

#include "core/ganforge.h"

using namespace ganforge;

int main() {
  const TensorOptions f64 = TensorOptions{}.with_dtype(DType::F64);
  Tensor a = arange(0, 6, 1, f64).view({2, 3});
  std::cout << "a = " << a << "\n";
  std::cout << "a: shape " << shape_str(a.shape()) << ", strides " << shape_str(a.strides()) << "\n";

  // A transpose swaps the strides: the same six numbers, read in another order.
  Tensor t = a.t();
  std::cout << "a.t(): shape " << shape_str(t.shape()) << ", strides " << shape_str(t.strides())
            << ", same storage as a: " << (t.storage() == a.storage() ? "yes" : "no")
            << ", contiguous: " << (t.is_contiguous() ? "yes" : "no") << "\n";

  // A row is a view with an offset; writing through it writes a.
  Tensor row = a.select(0, 1);
  std::cout << "a.select(0, 1): shape " << shape_str(row.shape()) << ", offset " << row.offset() << "\n";
  row.fill_(7);
  std::cout << "after a.select(0, 1).fill_(7), a = " << a << "\n";

  // Broadcasting: a [2, 1] column and a [1, 3] row make a [2, 3] table; the column is read with
  // stride 0 along the dim it is stretched over.
  Tensor column = from_vector(std::vector<double>{10, 20}, {2, 1}, f64);
  Tensor scale = from_vector(std::vector<double>{1, 2, 3}, {1, 3}, f64);
  std::cout << "column * scale = " << column * scale << "\n";
  std::cout << "column.expand({2, 3}): strides " << shape_str(column.expand({2, 3}).strides()) << "\n";
  return 0;
}
