// The addon build.mjs compiled at install; requiring this throws when it could not be built.
module.exports = require('./build/Release/original_dst.node');
