// NanoVDB oracle for weft's volume tests: NanoVDB's own answers, printed as JSON.
//
// Built by test/oracles/nanovdb/oracle.ts with g++ -O1 against the system NanoVDB headers
// (Debian: libnanovdb-dev, NanoVDB 32.4.x), ZIP and BLOSC enabled. Commands:
//
//   layout                               offsets/sizes of GridData, TreeData and the node structs
//   sample <file.nvdb> <points.txt>      per grid: metadata, then for each index-space point
//                                        getValue(round), nearest + trilinear samples, gradient,
//                                        index<->world maps (double and float)
//   make <outdir>                        grids built with nanovdb::GridBuilder / Primitives
//   blosc <comp> <clevel> <shuffle> <typesize> <blocksize> <in> <out>
//                                        compress a file with libblosc (reference frames)
//   restat <file.nvdb> <out.raw>         gridStats(All) + updateChecksum(Full) on a copy of each
//                                        grid, raw buffers concatenated (compare with the input)
//   checksum <file.nvdb>                 NanoVDB's partial and full checksums of each grid
//
// Every double is printed with %.17g and every float with %.9g, so values round-trip exactly.

#define NANOVDB_USE_ZIP
#define NANOVDB_USE_BLOSC
#include <nanovdb/NanoVDB.h>
#include <nanovdb/util/IO.h>
#include <nanovdb/util/GridBuilder.h>
#include <nanovdb/util/GridChecksum.h>
#include <nanovdb/util/GridStats.h>
#include <nanovdb/util/Primitives.h>
#include <nanovdb/util/SampleFromVoxels.h>
#include <blosc.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

using namespace nanovdb;

static void pd(double v) { std::printf("%.17g", v); }
static void pf(float v) { std::printf("%.9g", double(v)); }
static void pv(float v) { pf(v); }
static void pv(double v) { pd(v); }
static void pv(int32_t v) { std::printf("%d", v); }
static void pv(int64_t v) { std::printf("%lld", (long long)v); }
static void pv(uint32_t v) { std::printf("%u", v); }
static void pv(const Vec3f& v) { std::printf("["); pf(v[0]); std::printf(","); pf(v[1]); std::printf(","); pf(v[2]); std::printf("]"); }
static void pv(const Vec3d& v) { std::printf("["); pd(v[0]); std::printf(","); pd(v[1]); std::printf(","); pd(v[2]); std::printf("]"); }
static void pv(const Vec4f& v) { std::printf("["); pf(v[0]); std::printf(","); pf(v[1]); std::printf(","); pf(v[2]); std::printf(","); pf(v[3]); std::printf("]"); }
static void pv(const Vec4d& v) { std::printf("["); pd(v[0]); std::printf(","); pd(v[1]); std::printf(","); pd(v[2]); std::printf(","); pd(v[3]); std::printf("]"); }

// ------------------------------------------------------------------------------------- layout

#define OFF(T, m) ((long)((const char*)&((T*)0)->m - (const char*)0))

template <typename BuildT>
static void layoutOf(const char* name, bool comma)
{
    using RootD = typename NanoRoot<BuildT>::DataType;
    using Tile = typename RootD::Tile;
    using UpperD = typename NanoUpper<BuildT>::DataType;
    using LowerD = typename NanoLower<BuildT>::DataType;
    using LeafD = typename NanoLeaf<BuildT>::DataType;
    std::printf("\"%s\":{", name);
    std::printf("\"root\":{\"size\":%zu,\"bbox\":%ld,\"tableSize\":%ld,\"background\":%ld,\"min\":%ld,\"max\":%ld,\"avg\":%ld,\"std\":%ld},",
        sizeof(RootD), OFF(RootD, mBBox), OFF(RootD, mTableSize), OFF(RootD, mBackground), OFF(RootD, mMinimum),
        OFF(RootD, mMaximum), OFF(RootD, mAverage), OFF(RootD, mStdDevi));
    std::printf("\"tile\":{\"size\":%zu,\"key\":%ld,\"child\":%ld,\"state\":%ld,\"value\":%ld},",
        sizeof(Tile), OFF(Tile, key), OFF(Tile, child), OFF(Tile, state), OFF(Tile, value));
    std::printf("\"upper\":{\"size\":%zu,\"bbox\":%ld,\"flags\":%ld,\"valueMask\":%ld,\"childMask\":%ld,\"min\":%ld,\"max\":%ld,\"avg\":%ld,\"std\":%ld,\"table\":%ld,\"tileStride\":%zu},",
        sizeof(UpperD), OFF(UpperD, mBBox), OFF(UpperD, mFlags), OFF(UpperD, mValueMask), OFF(UpperD, mChildMask),
        OFF(UpperD, mMinimum), OFF(UpperD, mMaximum), OFF(UpperD, mAverage), OFF(UpperD, mStdDevi), OFF(UpperD, mTable),
        sizeof(typename UpperD::Tile));
    std::printf("\"lower\":{\"size\":%zu,\"bbox\":%ld,\"flags\":%ld,\"valueMask\":%ld,\"childMask\":%ld,\"min\":%ld,\"max\":%ld,\"avg\":%ld,\"std\":%ld,\"table\":%ld,\"tileStride\":%zu},",
        sizeof(LowerD), OFF(LowerD, mBBox), OFF(LowerD, mFlags), OFF(LowerD, mValueMask), OFF(LowerD, mChildMask),
        OFF(LowerD, mMinimum), OFF(LowerD, mMaximum), OFF(LowerD, mAverage), OFF(LowerD, mStdDevi), OFF(LowerD, mTable),
        sizeof(typename LowerD::Tile));
    std::printf("\"leaf\":{\"size\":%zu,\"bboxMin\":%ld,\"bboxDif\":%ld,\"flags\":%ld,\"valueMask\":%ld,\"min\":%ld,\"max\":%ld,\"avg\":%ld,\"std\":%ld,\"values\":%ld}",
        sizeof(LeafD), OFF(LeafD, mBBoxMin), OFF(LeafD, mBBoxDif), OFF(LeafD, mFlags), OFF(LeafD, mValueMask),
        OFF(LeafD, mMinimum), OFF(LeafD, mMaximum), OFF(LeafD, mAverage), OFF(LeafD, mStdDevi), OFF(LeafD, mValues));
    std::printf("}%s\n", comma ? "," : "");
}

static int cmdLayout()
{
    std::printf("{\"version\":\"%d.%d.%d\",\n", NANOVDB_MAJOR_VERSION_NUMBER, NANOVDB_MINOR_VERSION_NUMBER, NANOVDB_PATCH_VERSION_NUMBER);
    std::printf("\"grid\":{\"size\":%zu,\"magic\":%ld,\"checksum\":%ld,\"version\":%ld,\"flags\":%ld,\"gridIndex\":%ld,\"gridCount\":%ld,\"gridSize\":%ld,\"gridName\":%ld,\"map\":%ld,\"worldBBox\":%ld,\"voxelSize\":%ld,\"gridClass\":%ld,\"gridType\":%ld,\"blindMetadataOffset\":%ld,\"blindMetadataCount\":%ld,\"data0\":%ld,\"data1\":%ld,\"data2\":%ld},\n",
        sizeof(GridData), OFF(GridData, mMagic), OFF(GridData, mChecksum), OFF(GridData, mVersion), OFF(GridData, mFlags),
        OFF(GridData, mGridIndex), OFF(GridData, mGridCount), OFF(GridData, mGridSize), OFF(GridData, mGridName),
        OFF(GridData, mMap), OFF(GridData, mWorldBBox), OFF(GridData, mVoxelSize), OFF(GridData, mGridClass),
        OFF(GridData, mGridType), OFF(GridData, mBlindMetadataOffset), OFF(GridData, mBlindMetadataCount),
        OFF(GridData, mData0), OFF(GridData, mData1), OFF(GridData, mData2));
    std::printf("\"map\":{\"size\":%zu,\"matF\":%ld,\"invMatF\":%ld,\"vecF\":%ld,\"taperF\":%ld,\"matD\":%ld,\"invMatD\":%ld,\"vecD\":%ld,\"taperD\":%ld},\n",
        sizeof(Map), OFF(Map, mMatF), OFF(Map, mInvMatF), OFF(Map, mVecF), OFF(Map, mTaperF), OFF(Map, mMatD),
        OFF(Map, mInvMatD), OFF(Map, mVecD), OFF(Map, mTaperD));
    using TreeD = TreeData<3>;
    std::printf("\"tree\":{\"size\":%zu,\"nodeOffset\":%ld,\"nodeCount\":%ld,\"tileCount\":%ld,\"voxelCount\":%ld},\n",
        sizeof(TreeD), OFF(TreeD, mNodeOffset), OFF(TreeD, mNodeCount), OFF(TreeD, mTileCount), OFF(TreeD, mVoxelCount));
    std::printf("\"fileHeader\":%zu,\"fileMetaData\":%zu,\"blindMetaData\":%zu,\n", sizeof(io::Header), sizeof(io::MetaData), sizeof(GridBlindMetaData));
    std::printf("\"types\":{\n");
    layoutOf<float>("float", true);
    layoutOf<double>("double", true);
    layoutOf<int32_t>("int32", true);
    layoutOf<int64_t>("int64", true);
    layoutOf<uint32_t>("uint32", true);
    layoutOf<Vec3f>("vec3f", true);
    layoutOf<Vec3d>("vec3d", true);
    layoutOf<Vec4f>("vec4f", true);
    layoutOf<Vec4d>("vec4d", false);
    std::printf("}}\n");
    return 0;
}

// ------------------------------------------------------------------------------------- sample

struct Pt { double x, y, z; };

static std::vector<Pt> readPoints(const char* path)
{
    std::vector<Pt> pts;
    std::ifstream is(path);
    Pt p;
    while (is >> p.x >> p.y >> p.z) pts.push_back(p);
    return pts;
}

static void printMeta(const GridData* d, bool checksumOk, bool checksumChecked)
{
    const auto* grid = reinterpret_cast<const NanoGrid<float>*>(d); // only header fields are read
    const auto& tree = grid->tree();
    const TreeData<3>* td = reinterpret_cast<const TreeData<3>*>(&tree);
    std::printf("\"name\":\"%s\",\"gridType\":%u,\"gridClass\":%u,\"gridIndex\":%u,\"gridCount\":%u,\"gridSize\":%llu,",
        d->mGridName, unsigned(d->mGridType), unsigned(d->mGridClass), d->mGridIndex, d->mGridCount, (unsigned long long)d->mGridSize);
    std::printf("\"version\":\"%u.%u.%u\",\"flags\":%u,\"checksum\":\"%016llx\",\"checksumChecked\":%s,\"checksumOk\":%s,",
        d->mVersion.getMajor(), d->mVersion.getMinor(), d->mVersion.getPatch(), d->mFlags, (unsigned long long)d->mChecksum,
        checksumChecked ? "true" : "false", checksumOk ? "true" : "false");
    std::printf("\"voxelCount\":%llu,\"nodeCount\":[%u,%u,%u],\"tileCount\":[%u,%u,%u],",
        (unsigned long long)td->mVoxelCount, td->mNodeCount[0], td->mNodeCount[1], td->mNodeCount[2],
        td->mTileCount[0], td->mTileCount[1], td->mTileCount[2]);
    std::printf("\"nodeOffset\":[%llu,%llu,%llu,%llu],", (unsigned long long)td->mNodeOffset[0], (unsigned long long)td->mNodeOffset[1],
        (unsigned long long)td->mNodeOffset[2], (unsigned long long)td->mNodeOffset[3]);
    const auto& ib = tree.root().bbox();
    std::printf("\"indexBBox\":[[%d,%d,%d],[%d,%d,%d]],", ib[0][0], ib[0][1], ib[0][2], ib[1][0], ib[1][1], ib[1][2]);
    const auto& wb = d->mWorldBBox;
    std::printf("\"worldBBox\":[["); pd(wb[0][0]); std::printf(","); pd(wb[0][1]); std::printf(","); pd(wb[0][2]);
    std::printf("],["); pd(wb[1][0]); std::printf(","); pd(wb[1][1]); std::printf(","); pd(wb[1][2]); std::printf("]],");
    std::printf("\"voxelSize\":"); pv(Vec3d(d->mVoxelSize)); std::printf(",");
}

template <typename BuildT>
struct IsSampled { static constexpr bool value = false; };
template <> struct IsSampled<float> { static constexpr bool value = true; };
template <> struct IsSampled<double> { static constexpr bool value = true; };
template <> struct IsSampled<int32_t> { static constexpr bool value = true; };
template <> struct IsSampled<Vec3f> { static constexpr bool value = true; };
template <> struct IsSampled<Vec3d> { static constexpr bool value = true; };

template <typename T> struct HasGrad { static constexpr bool value = false; };
template <> struct HasGrad<float> { static constexpr bool value = true; };
template <> struct HasGrad<double> { static constexpr bool value = true; };

template <typename BuildT>
static void samplePoints(const NanoGrid<BuildT>* grid, const std::vector<Pt>& pts)
{
    using ValueT = typename NanoGrid<BuildT>::ValueType;
    auto acc = grid->getAccessor();
    const auto& tree = grid->tree();
    std::printf("\"background\":"); pv(tree.root().background()); std::printf(",");
    std::printf("\"points\":[\n");
    for (size_t i = 0; i < pts.size(); ++i) {
        const Vec3d xyz(pts[i].x, pts[i].y, pts[i].z);
        const Coord ijk(int32_t(std::floor(xyz[0] + 0.5)), int32_t(std::floor(xyz[1] + 0.5)), int32_t(std::floor(xyz[2] + 0.5)));
        std::printf("{\"v\":"); pv(tree.getValue(ijk));
        std::printf(",\"va\":"); pv(acc.getValue(ijk));
        std::printf(",\"on\":%s", tree.isActive(ijk) ? "true" : "false");
        if constexpr (IsSampled<BuildT>::value) {
            auto s0 = createSampler<0>(acc);
            auto s1 = createSampler<1>(acc);
            auto s1n = createSampler<1, decltype(acc), false>(acc);
            std::printf(",\"n\":"); pv(ValueT(s0(xyz)));
            std::printf(",\"t\":"); pv(ValueT(s1(xyz)));
            std::printf(",\"tn\":"); pv(ValueT(s1n(xyz)));
            if constexpr (HasGrad<BuildT>::value) {
                const auto g = s1.gradient(xyz);
                std::printf(",\"g\":["); pv(g[0]); std::printf(","); pv(g[1]); std::printf(","); pv(g[2]); std::printf("]");
            }
        }
        const Vec3d w = grid->indexToWorld(xyz);
        const Vec3d wi = grid->worldToIndex(w);
        const Vec3f xyzF{float(xyz[0]), float(xyz[1]), float(xyz[2])};
        const Vec3f wF = grid->indexToWorldF(xyzF);
        const Vec3f wiF = grid->worldToIndexF(wF);
        const Vec3d wd = grid->indexToWorldDir(xyz);
        const Vec3d gw = grid->indexToWorldGrad(xyz);
        std::printf(",\"w\":"); pv(w); std::printf(",\"wi\":"); pv(wi);
        std::printf(",\"wF\":"); pv(wF); std::printf(",\"wiF\":"); pv(wiF);
        std::printf(",\"wd\":"); pv(wd); std::printf(",\"gw\":"); pv(gw);
        std::printf("}%s\n", i + 1 < pts.size() ? "," : "");
    }
    std::printf("]");
}

template <typename BuildT>
static bool checkSum(const NanoGrid<BuildT>* grid, bool& checked)
{
    checked = grid->checksum() != GridChecksum::EMPTY;
    return validateChecksum(*grid, ChecksumMode::Full);
}

template <typename BuildT>
static void sampleGrid(const GridData* d, const std::vector<Pt>& pts)
{
    const auto* grid = reinterpret_cast<const NanoGrid<BuildT>*>(d);
    bool checked = false;
    const bool ok = checkSum(grid, checked);
    printMeta(d, ok, checked);
    samplePoints(grid, pts);
}

static void sampleAny(const GridData* d, const std::vector<Pt>& pts)
{
    std::printf("{");
    switch (d->mGridType) {
    case GridType::Float: sampleGrid<float>(d, pts); break;
    case GridType::Double: sampleGrid<double>(d, pts); break;
    case GridType::Int32: sampleGrid<int32_t>(d, pts); break;
    case GridType::Int64: sampleGrid<int64_t>(d, pts); break;
    case GridType::UInt32: sampleGrid<uint32_t>(d, pts); break;
    case GridType::Vec3f: sampleGrid<Vec3f>(d, pts); break;
    case GridType::Vec3d: sampleGrid<Vec3d>(d, pts); break;
    case GridType::Vec4f: sampleGrid<Vec4f>(d, pts); break;
    case GridType::Vec4d: sampleGrid<Vec4d>(d, pts); break;
    default: printMeta(d, false, false); std::printf("\"unsupported\":true");
    }
    std::printf("}");
}

// Every grid of every handle, following the chain of grids inside one buffer.
template <typename Fn>
static void forEachGrid(std::vector<GridHandle<>>& handles, Fn fn)
{
    for (auto& h : handles) {
        const uint8_t* p = h.data();
        const uint8_t* end = p + h.size();
        while (p < end) {
            const auto* d = reinterpret_cast<const GridData*>(p);
            if (d->mGridSize == 0) break;
            fn(d);
            p += d->mGridSize;
        }
    }
}

static int cmdSample(const char* file, const char* pointsFile)
{
    const auto pts = readPoints(pointsFile);
    auto handles = io::readGrids(file);
    std::printf("{\"grids\":[\n");
    bool first = true;
    forEachGrid(handles, [&](const GridData* d) {
        if (!first) std::printf(",\n");
        first = false;
        sampleAny(d, pts);
    });
    std::printf("\n]}\n");
    return 0;
}

// ------------------------------------------------------------------------------------- checksum / restat

template <typename BuildT>
static void restatGrid(GridData* d)
{
    auto* grid = reinterpret_cast<NanoGrid<BuildT>*>(d);
    gridStats(*grid, StatsMode::All);
    updateChecksum(*grid, ChecksumMode::Full);
}

template <typename BuildT>
static void printChecksums(const GridData* d)
{
    const auto* grid = reinterpret_cast<const NanoGrid<BuildT>*>(d);
    std::printf("{\"stored\":\"%016llx\",\"partial\":\"%016llx\",\"full\":\"%016llx\",\"valid\":%s}",
        (unsigned long long)grid->checksum(), (unsigned long long)checksum(*grid, ChecksumMode::Partial),
        (unsigned long long)checksum(*grid, ChecksumMode::Full), validateChecksum(*grid, ChecksumMode::Full) ? "true" : "false");
}

#define DISPATCH(d, FN, ...)                                                  \
    switch ((d)->mGridType) {                                                  \
    case GridType::Float: FN<float>(__VA_ARGS__); break;                       \
    case GridType::Double: FN<double>(__VA_ARGS__); break;                     \
    case GridType::Int32: FN<int32_t>(__VA_ARGS__); break;                     \
    case GridType::Int64: FN<int64_t>(__VA_ARGS__); break;                     \
    case GridType::UInt32: FN<uint32_t>(__VA_ARGS__); break;                   \
    case GridType::Vec3f: FN<Vec3f>(__VA_ARGS__); break;                       \
    case GridType::Vec3d: FN<Vec3d>(__VA_ARGS__); break;                       \
    case GridType::Vec4f: FN<Vec4f>(__VA_ARGS__); break;                       \
    case GridType::Vec4d: FN<Vec4d>(__VA_ARGS__); break;                       \
    default: std::fprintf(stderr, "unsupported grid type %u\n", unsigned((d)->mGridType)); return 2; \
    }

static int cmdChecksum(const char* file)
{
    auto handles = io::readGrids(file);
    std::printf("[");
    bool first = true;
    int rc = 0;
    forEachGrid(handles, [&](const GridData* d) {
        if (!first) std::printf(",");
        first = false;
        auto body = [&]() -> int { DISPATCH(d, printChecksums, d) return 0; };
        rc |= body();
    });
    std::printf("]\n");
    return rc;
}

static int cmdRestat(const char* file, const char* out)
{
    auto handles = io::readGrids(file);
    std::ofstream os(out, std::ios::binary);
    int rc = 0;
    for (auto& h : handles) {
        std::vector<uint8_t> copy(h.data(), h.data() + h.size());
        // HostBuffer data is 32-byte aligned; the copy may not be, so stage through an aligned buffer.
        auto buf = HostBuffer::create(copy.size());
        std::memcpy(buf.data(), copy.data(), copy.size());
        uint8_t* p = buf.data();
        uint8_t* end = p + buf.size();
        while (p < end) {
            auto* d = reinterpret_cast<GridData*>(p);
            if (d->mGridSize == 0) break;
            auto body = [&]() -> int { DISPATCH(d, restatGrid, d) return 0; };
            rc |= body();
            p += d->mGridSize;
        }
        os.write(reinterpret_cast<const char*>(buf.data()), buf.size());
    }
    return rc;
}

// ------------------------------------------------------------------------------------- make

template <typename ValueT, typename Fn>
static GridHandle<> build(ValueT background, GridClass cls, const Map& map, const std::string& name,
                          const CoordBBox& box, Fn fn, ChecksumMode cs = ChecksumMode::Full)
{
    GridBuilder<ValueT> builder(background, cls);
    auto acc = builder.getAccessor();
    for (auto it = box.begin(); it; ++it) {
        const Coord ijk = *it;
        ValueT v;
        if (fn(ijk, v)) acc.setValue(ijk, v);
    }
    builder.setStats(StatsMode::All);
    builder.setChecksum(cs);
    return builder.getHandle(map, name);
}

static Map rotatedMap()
{
    // index -> world: scale 0.25, rotation about (1,1,1)/sqrt(3) by 0.7 rad, then translation
    const double s = 0.25, a = 0.7, c = std::cos(a), si = std::sin(a), t = 1 - c;
    const double x = 1 / std::sqrt(3.0), y = x, z = x;
    double R[3][3] = {{t * x * x + c, t * x * y - si * z, t * x * z + si * y},
                      {t * x * y + si * z, t * y * y + c, t * y * z - si * x},
                      {t * x * z - si * y, t * y * z + si * x, t * z * z + c}};
    double M[3][3], Inv[3][3];
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) {
            M[i][j] = s * R[j][i]; // row-vector convention: world = ijk * M + T
            Inv[i][j] = R[i][j] / s;
        }
    Map map;
    const double T[3] = {1.5, -2.25, 0.125};
    map.set(M, Inv, T, 1.0);
    return map;
}

static int cmdMake(const std::string& dir)
{
    const CoordBBox box(Coord(-21, -9, -13), Coord(19, 27, 11));
    // double fog-like field with a hole, uniform voxel size 0.5
    {
        Map map;
        map.set(0.5, Vec3d(0.25, -1.0, 2.0), 1.0);
        auto h = build<double>(0.0, GridClass::FogVolume, map, "density_d", box, [](const Coord& p, double& v) {
            const double r2 = double(p[0]) * p[0] + 0.5 * p[1] * p[1] + 2.0 * p[2] * p[2];
            v = std::exp(-r2 / 150.0) * (1.0 + 0.1 * std::sin(0.3 * p[0] + 0.2 * p[1]));
            return r2 < 500.0;
        });
        io::writeGrid(dir + "/builder-double.nvdb", h, io::Codec::NONE);
    }
    // int32 labels on a rotated map
    {
        auto h = build<int32_t>(-7, GridClass::Unknown, rotatedMap(), "labels_i", box, [](const Coord& p, int32_t& v) {
            v = (p[0] * 7 + p[1] * 13 + p[2] * 29) % 101 - 50;
            return ((p[0] + p[1] + p[2]) & 3) != 0 && p[0] * p[0] + p[1] * p[1] < 300;
        });
        io::writeGrid(dir + "/builder-int32.nvdb", h, io::Codec::ZIP);
    }
    // vec3f + vec3d velocities, written together into one file (one segment, two grids)
    {
        Map map;
        map.set(0.1, Vec3d(-3.0, 0.0, 5.5), 1.0);
        auto h1 = build<Vec3f>(Vec3f(0.f), GridClass::Staggered, map, "vel_f", box, [](const Coord& p, Vec3f& v) {
            v = Vec3f(std::sin(0.2f * p[1]), std::cos(0.15f * p[2]) * 2.f, 0.01f * float(p[0] * p[1]));
            return (p[0] & 4) == 0;
        });
        auto h2 = build<Vec3d>(Vec3d(1.0, -2.0, 0.5), GridClass::Unknown, map, "vel_d", box, [](const Coord& p, Vec3d& v) {
            v = Vec3d(0.5 * p[2], std::sin(0.1 * p[0] * p[1]), -1.0 / (1.0 + p[0] * p[0]));
            return (p[1] + 40) % 5 != 0;
        });
        std::vector<GridHandle<>> hs;
        hs.push_back(std::move(h1));
        hs.push_back(std::move(h2));
        io::writeGrids(dir + "/builder-vec3.nvdb", hs, io::Codec::BLOSC);
    }
    // int64 / uint32 / vec4 grids: read and getValue only
    {
        Map map;
        map.set(2.0, Vec3d(0.0), 1.0);
        auto h1 = build<int64_t>(int64_t(1) << 40, GridClass::Unknown, map, "big_i64", box, [](const Coord& p, int64_t& v) {
            v = (int64_t(p[0]) << 33) + p[1] * 1000 + p[2];
            return (p[2] & 1) == 0;
        });
        auto h2 = build<uint32_t>(0u, GridClass::Unknown, map, "ids_u32", box, [](const Coord& p, uint32_t& v) {
            v = uint32_t(p[0] + 100) * 65536u + uint32_t(p[1] + 100);
            return p[0] > 0;
        });
        auto h3 = build<Vec4f>(Vec4f(0.f), GridClass::Unknown, map, "rgba_f", box, [](const Coord& p, Vec4f& v) {
            v = Vec4f(0.1f * p[0], 0.2f * p[1], 0.3f * p[2], 1.f);
            return p[1] < 3;
        });
        auto h4 = build<Vec4d>(Vec4d(0.0), GridClass::Unknown, map, "q_d", box, [](const Coord& p, Vec4d& v) {
            v = Vec4d(p[0], p[1], p[2], 0.5);
            return p[1] > -3;
        });
        std::vector<GridHandle<>> hs;
        hs.push_back(std::move(h1));
        hs.push_back(std::move(h2));
        hs.push_back(std::move(h3));
        hs.push_back(std::move(h4));
        io::writeGrids(dir + "/builder-other.nvdb", hs, io::Codec::NONE);
    }
    // level-set spheres from Primitives.h (float with a partial checksum, double)
    {
        auto h1 = createLevelSetSphere<float>(20.0f, Vec3f(3.f, -4.f, 5.f), 0.5, 3.0, Vec3d(0), "sphere_f",
                                              StatsMode::All, ChecksumMode::Partial);
        io::writeGrid(dir + "/sphere-float.nvdb", h1, io::Codec::BLOSC);
        auto h2 = createFogVolumeSphere<double>(15.0, Vec3d(-2.0, 1.0, 0.0), 0.75, 3.0, Vec3d(0), "fog_d",
                                                StatsMode::All, ChecksumMode::Full);
        io::writeGrid(dir + "/fog-double.nvdb", h2, io::Codec::ZIP);
    }
    std::printf("{\"ok\":true}\n");
    return 0;
}

// ------------------------------------------------------------------------------------- blosc

static int cmdBlosc(const char* comp, int clevel, int shuffle, int typesize, int blocksize, const char* in, const char* out)
{
    std::ifstream is(in, std::ios::binary);
    std::vector<char> src((std::istreambuf_iterator<char>(is)), std::istreambuf_iterator<char>());
    std::vector<char> dst(src.size() + BLOSC_MAX_OVERHEAD);
    const int n = blosc_compress_ctx(clevel, shuffle, size_t(typesize), src.size(), src.data(), dst.data(), dst.size(),
                                     comp, size_t(blocksize), 1);
    if (n <= 0) {
        std::fprintf(stderr, "blosc_compress_ctx(%s) failed: %d\n", comp, n);
        return 3;
    }
    std::ofstream os(out, std::ios::binary);
    os.write(dst.data(), n);
    std::printf("{\"cbytes\":%d,\"compressors\":\"%s\"}\n", n, blosc_list_compressors());
    return 0;
}

int main(int argc, char** argv)
{
    try {
        const std::string cmd = argc > 1 ? argv[1] : "";
        if (cmd == "layout") return cmdLayout();
        if (cmd == "sample" && argc == 4) return cmdSample(argv[2], argv[3]);
        if (cmd == "make" && argc == 3) return cmdMake(argv[2]);
        if (cmd == "checksum" && argc == 3) return cmdChecksum(argv[2]);
        if (cmd == "restat" && argc == 4) return cmdRestat(argv[2], argv[3]);
        if (cmd == "blosc" && argc == 9)
            return cmdBlosc(argv[2], std::atoi(argv[3]), std::atoi(argv[4]), std::atoi(argv[5]), std::atoi(argv[6]), argv[7], argv[8]);
        std::fprintf(stderr, "usage: sample layout | sample <nvdb> <points> | make <dir> | checksum <nvdb> | restat <nvdb> <out> | blosc ...\n");
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "nanovdb oracle error: %s\n", e.what());
        return 4;
    }
}
