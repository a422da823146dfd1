Gem::Specification.new do |s|
  s.name = "café"
  s.name = "ok"
  s.version = "1.0 beta"
end
