#!/usr/bin/env node
console.log("stratad: not yet");
