package datasets

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// EnvData is the environment variable naming a folder that holds one
// sub-folder per dataset: $REPLICATE_DATA/adience, $REPLICATE_DATA/aadb, …
const EnvData = "REPLICATE_DATA"

// EnvVar returns the environment variable that names the root folder of one
// dataset: REPLICATE_DATA_ plus the name in upper case with '-' turned into
// '_' (REPLICATE_DATA_ADIENCE, REPLICATE_DATA_FASHION_MNIST).
func EnvVar(name string) string {
	return EnvData + "_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// ResolveRoot returns the root folder of dataset name: root itself when it
// is not empty (the --root flag), else the variable EnvVar(name), else
// $REPLICATE_DATA/name when REPLICATE_DATA is set, else "". getenv reads the
// environment (os.Getenv when nil). It does not check that the folder exists;
// the loaders do, and say what they expected.
func ResolveRoot(name, root string, getenv func(string) string) string {
	if root != "" {
		return root
	}
	if getenv == nil {
		getenv = os.Getenv
	}
	if v := getenv(EnvVar(name)); v != "" {
		return v
	}
	if v := getenv(EnvData); v != "" {
		return filepath.Join(v, name)
	}
	return ""
}

// requireDir checks that dir is an existing folder and returns a *RootError
// naming layout otherwise. what is the path shown in the message ("" shows
// dir itself).
func requireDir(dataset, root, dir, layout string) error {
	if root == "" {
		return &RootError{Dataset: dataset, Layout: layout}
	}
	fi, err := os.Stat(dir)
	if err == nil && fi.IsDir() {
		return nil
	}
	e := &RootError{Dataset: dataset, Root: root, Layout: layout}
	if dir != root {
		e.Missing = dir
	}
	if err == nil {
		e.Missing = fmt.Sprintf("%s (not a folder)", dir)
	}
	return e
}

// requireFile checks that something exists at path, giving a *RootError
// naming layout otherwise. Whether it is a regular file is checked when it
// is opened (openData), which names what it is instead.
func requireFile(dataset, root, path, layout string) error {
	if err := requireDir(dataset, root, root, layout); err != nil {
		return err
	}
	if exists(path) {
		return nil
	}
	return &RootError{Dataset: dataset, Root: root, Missing: path, Layout: layout}
}
