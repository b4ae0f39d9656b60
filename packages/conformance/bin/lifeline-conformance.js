#!/usr/bin/env node
// The CLI lives in dist/; this stub exists before the first build, so installing the workspace can link the bin.
import '../dist/cli.js'
