#include "grapes/parallel/halo_exchange.hpp"
#include "grapes/core/instantiate.hpp"

#include <cstdint>
#include <limits>
#include <stdexcept>

#include "grapes/parallel/comm.hpp"

namespace grapes {

Box local_box(const Grid& grid, int rank, const Index3& ghost_width) {
  const Box owned = grid.owned_box(rank);
  if (owned.empty()) return owned;
  return owned.grow(ghost_width, grid.image());
}

HaloPlan::HaloPlan(const Grid& grid, int rank, const Index3& ghost_width) {
  const Box owned = grid.owned_box(rank);
  local = local_box(grid, rank, ghost_width);
  for (int other = 0; other < grid.ranks(); ++other) {
    if (other == rank) continue;
    const Box needed_by_other = local_box(grid, other, ghost_width).intersect(owned);
    if (!needed_by_other.empty()) sends.push_back({other, needed_by_other});
    const Box owned_by_other = local.intersect(grid.owned_box(other));
    if (!owned_by_other.empty()) receives.push_back({other, owned_by_other});
  }
}

namespace {

// Copies between a box inside the block and a flat buffer (x fastest), in either direction.
template <class T, bool kToBuffer>
struct BoxCopy {
  View3<T> block;
  View1<T> buffer;
  Index3 offset;  // box.lo - block origin
  index_t ny, nx;
  KOKKOS_INLINE_FUNCTION void operator()(const index_t z, const index_t y, const index_t x) const {
    const index_t flat = (z * ny + y) * nx + x;
    if (kToBuffer)
      buffer(flat) = block(z + offset[0], y + offset[1], x + offset[2]);
    else
      block(z + offset[0], y + offset[1], x + offset[2]) = buffer(flat);
  }
};

template <class T, bool kToBuffer>
void copy_box(const View3<T>& block, const Box& local, const Box& box, const View1<T>& buffer) {
  BoxCopy<T, kToBuffer> functor{
      block,
      buffer,
      {box.lo[0] - local.lo[0], box.lo[1] - local.lo[1], box.lo[2] - local.lo[2]},
      box.extent(1),
      box.extent(2)};
  Kokkos::parallel_for(
      "grapes::halo_copy",
      Kokkos::MDRangePolicy<kx::ExecSpace, Kokkos::Rank<3>, Kokkos::IndexType<index_t>>(
          {0, 0, 0}, {box.extent(0), box.extent(1), box.extent(2)}),
      functor);
}

int message_count(const Box& box) {
  if (box.voxels() > std::numeric_limits<int>::max())
    throw std::runtime_error("ghost message of " + std::to_string(box.voxels()) +
                             " elements is over MPI's int count; use more ranks");
  return static_cast<int>(box.voxels());
}

// MPI needs host-accessible memory unless MPI is GPU-aware; staging through host mirrors is
// the portable choice.
template <class T>
using HostBuffer = typename View1<T>::HostMirror;

}  // namespace

template <class T>
void exchange_ghosts(const HaloPlan& plan, MPI_Comm comm, const View3<T>& block) {
  kx::ScopedRegion region("grapes::exchange_ghosts");
  const ContiguousType element(sizeof(T));
  const MPI_Datatype element_type = element.get();

  std::vector<View1<T>> receive_buffers;
  std::vector<HostBuffer<T>> receive_host;
  std::vector<MPI_Request> requests;
  for (const auto& transfer : plan.receives) {
    receive_buffers.emplace_back("grapes::halo_receive", transfer.box.voxels());
    receive_host.push_back(Kokkos::create_mirror_view(receive_buffers.back()));
    requests.emplace_back();
    check_mpi(MPI_Irecv(receive_host.back().data(), message_count(transfer.box), element_type,
                        transfer.rank, 0, comm, &requests.back()),
              "MPI_Irecv (ghosts)");
  }
  std::vector<View1<T>> send_buffers;
  std::vector<HostBuffer<T>> send_host;
  for (const auto& transfer : plan.sends) {
    send_buffers.emplace_back("grapes::halo_send", transfer.box.voxels());
    copy_box<T, true>(block, plan.local, transfer.box, send_buffers.back());
    send_host.push_back(Kokkos::create_mirror_view(send_buffers.back()));
    Kokkos::deep_copy(send_host.back(), send_buffers.back());
    requests.emplace_back();
    check_mpi(MPI_Isend(send_host.back().data(), message_count(transfer.box), element_type,
                        transfer.rank, 0, comm, &requests.back()),
              "MPI_Isend (ghosts)");
  }
  const std::size_t receive_count = plan.receives.size();
  for (std::size_t done = 0; done < receive_count; ++done) {
    int index = 0;
    check_mpi(
        MPI_Waitany(static_cast<int>(receive_count), requests.data(), &index, MPI_STATUS_IGNORE),
        "MPI_Waitany (ghosts)");
    Kokkos::deep_copy(receive_buffers[index], receive_host[index]);
    copy_box<T, false>(block, plan.local, plan.receives[index].box, receive_buffers[index]);
  }
  if (!plan.sends.empty())
    check_mpi(MPI_Waitall(static_cast<int>(plan.sends.size()), requests.data() + receive_count,
                          MPI_STATUSES_IGNORE),
              "MPI_Waitall (ghosts)");
  Kokkos::fence();
}

template <class T>
View3<T> ghosted_view(const HaloPlan& plan, const Box& owned, View3<T>&& owned_view,
                      MPI_Comm comm) {
  View3<T> block = owned_view;
  if (plan.local != owned) {
    block = make_view3<T>("grapes::labels_block", plan.local);
    const Index3 at{owned.lo[0] - plan.local.lo[0], owned.lo[1] - plan.local.lo[1],
                    owned.lo[2] - plan.local.lo[2]};
    Kokkos::deep_copy(Kokkos::subview(block, std::make_pair(at[0], at[0] + owned.extent(0)),
                                      std::make_pair(at[1], at[1] + owned.extent(1)),
                                      std::make_pair(at[2], at[2] + owned.extent(2))),
                      owned_view);
    // Released here, in the caller's object: Kokkos 3.4 Views copy when moved, so a moved-from
    // View would keep the owned box alive through the distance transform.
    owned_view = View3<T>();
  }
  exchange_ghosts(plan, comm, block);
  return block;
}

#define GRAPES_HALO(T)                                                       \
  template void exchange_ghosts(const HaloPlan&, MPI_Comm, const View3<T>&); \
  template View3<T> ghosted_view(const HaloPlan&, const Box&, View3<T>&&, MPI_Comm);
GRAPES_FOR_EACH_LABEL(GRAPES_HALO)
GRAPES_HALO(float)
#undef GRAPES_HALO

}  // namespace grapes
